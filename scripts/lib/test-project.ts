import { copyFileSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { PROJECT_ROOT } from "./pg-data-dir";

/** A project folder of links to this one (what `npm run dev` and its asset build read), with its own .dev.vars. */
export function projectWith(devVars: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "roomcast-dev-"));
  for (const name of ["node_modules", "src", "migrations", "scripts", "client", "public"])
    symlinkSync(path.join(PROJECT_ROOT, name), path.join(dir, name));
  for (const name of ["wrangler.toml", "package.json", "tsconfig.json", ".dev.vars.example"])
    copyFileSync(path.join(PROJECT_ROOT, name), path.join(dir, name));
  writeFileSync(path.join(dir, ".dev.vars"), devVars);
  return dir;
}
