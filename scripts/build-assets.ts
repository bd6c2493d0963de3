// Static assets the worker serves (wrangler.toml [assets], directory public/): the pinned Swagger
// UI for /docs (no CDN: /docs works offline) and the typed client bundled for the demo page.
// Generated into public/vendor/ (git-ignored); run by wrangler's [build] before dev and deploy.
import { copyFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { build } from "esbuild";

const root = path.resolve(import.meta.dirname, "..");
const vendor = path.join(root, "public/vendor");
const require = createRequire(import.meta.url);
const swaggerDir = path.dirname(require.resolve("swagger-ui-dist/package.json"));

mkdirSync(path.join(vendor, "swagger-ui-dist"), { recursive: true });
for (const file of ["swagger-ui.css", "swagger-ui-bundle.js"]) {
  copyFileSync(path.join(swaggerDir, file), path.join(vendor, "swagger-ui-dist", file));
}
await build({
  entryPoints: [path.join(root, "client/src/index.ts")],
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  outfile: path.join(vendor, "roomcast-client.js"),
  logLevel: "warning",
});
console.log("built public/vendor (Swagger UI, roomcast-client.js)");
