// Builds the publishable package: dist/index.js (ESM, partysocket left as a dependency) and the
// declarations. The frame types come from the server's src/protocol/; they are inlined
// into dist/index.d.ts's tree under dist/types, so the package needs nothing from the server.
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
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
