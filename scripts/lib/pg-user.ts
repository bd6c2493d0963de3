import { execFileSync, spawnSync } from "node:child_process";
import { SetupError } from "./setup-error";

/** The account PostgreSQL runs as when the scripts run as root (it refuses to run as root). */
export const PG_OS_USER = "postgres";

export type RunAs = { uid: number; gid: number };

/**
 * Who PostgreSQL's processes run as: null for an ordinary user (PostgreSQL runs as them), the
 * `postgres` account for root — created when missing, as a system user without a home.
 */
export function postgresRunAs(): RunAs | null {
  if (process.getuid?.() !== 0) return null;
  const ids = () => ({
    uid: Number(execFileSync("id", ["-u", PG_OS_USER]).toString()),
    gid: Number(execFileSync("id", ["-g", PG_OS_USER]).toString()),
  });
  try {
    return ids();
  } catch {
    try {
      execFileSync("useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", PG_OS_USER], {
        stdio: "pipe",
      });
    } catch (err) {
      throw new SetupError(
        `PostgreSQL refuses to run as root and there is no "${PG_OS_USER}" account to run it as; creating one ` +
          `with useradd failed (${(err as Error).message.split("\n")[0]}). Create it yourself ` +
          `(useradd --system ${PG_OS_USER}) or run as an ordinary user.`,
      );
    }
    return ids();
  }
}

/**
 * Whether `runAs` passes `test -<flag> path` — path resolution included, so a mode-700 folder
 * anywhere above `path` (root's home) makes it false. Always true without `runAs`.
 */
export function reachable(runAs: RunAs | null, path: string, flag: "r" | "w" | "x" = "x"): boolean {
  if (!runAs) return true;
  // cwd "/": a child that cannot enter the current folder would fail before testing anything.
  return spawnSync("test", [`-${flag}`, path], { ...runAs, cwd: "/", stdio: "ignore" }).status === 0;
}
