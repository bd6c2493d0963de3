import { createHash } from "node:crypto";
import { chownSync, mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { sharedRoot } from "./pg-binaries";
import { type RunAs, reachable } from "./pg-user";

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/**
 * The folder cluster data `relative` to the project (".data/postgres") lives in. As root, when
 * the `postgres` account cannot traverse the project folder (a clone in root's mode-700 home),
 * it lives in /var/tmp/roomcast/<project>-<hash of the project's path>/ instead: one per clone,
 * found again on the next run. Its parent exists on return.
 */
export function clusterDataDir(
  relative: string,
  runAs: RunAs | null,
  project = PROJECT_ROOT,
): { dir: string; relocated: boolean } {
  const inProject = path.resolve(project, relative);
  mkdirSync(path.dirname(inProject), { recursive: true });
  if (reachable(runAs, path.dirname(inProject))) return { dir: inProject, relocated: false };
  const key = createHash("sha256").update(project).digest("hex").slice(0, 12);
  const parent = path.join(sharedRoot(), `${path.basename(project)}-${key}`);
  mkdirSync(parent, { recursive: true, mode: 0o755 });
  return { dir: path.join(parent, path.basename(inProject)), relocated: true };
}

/** Creates `dir` for PostgreSQL: owned by the account it runs as, private to it (as initdb wants). */
export function makeOwnedDir(dir: string, runAs: RunAs | null) {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (runAs) chownSync(dir, runAs.uid, runAs.gid);
}
