// Builds the publishable package: dist/index.js (ESM, partysocket left as a dependency) and the
// declarations. The frame types come from the server's src/protocol/; they are inlined
// into dist/index.d.ts's tree under dist/types, so the package needs nothing from the server.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { build } from "esbuild";

rmSync("dist", { recursive: true, force: true });
await build({
  entryPoints: ["src/index.ts"],
  bundle: true,
  format: "esm",
  platform: "neutral",
  target: "es2022",
  external: ["partysocket"],
  outfile: "dist/index.js",
});
execFileSync(
  "npx",
  [
    "tsc",
    "-p",
    "tsconfig.json",
    "--noEmit",
    "false",
    "--declaration",
    "--emitDeclarationOnly",
    "--outDir",
    "dist/types",
    "--rootDir",
    "..",
  ],
  { stdio: "inherit" },
);

// The sources import without extensions (moduleResolution "bundler"); a project that resolves as
// Node does ("nodenext", TypeScript's choice for Node) needs explicit ones in the declarations.
const withExtension = (file, specifier) => {
  if (path.extname(specifier)) return specifier;
  const target = path.resolve(path.dirname(file), specifier);
  if (existsSync(target) && statSync(target).isDirectory()) return `${specifier}/index.js`;
  return `${specifier}.js`;
};
for (const entry of readdirSync("dist/types", { recursive: true, encoding: "utf8" })) {
  if (!entry.endsWith(".d.ts")) continue;
  const file = path.join("dist/types", entry);
  const text = readFileSync(file, "utf8").replace(
    /(from\s+|import\()"(\.{1,2}\/[^"]+)"/g,
    (_, lead, specifier) => `${lead}"${withExtension(file, specifier)}"`,
  );
  writeFileSync(file, text);
}
