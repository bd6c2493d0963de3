import { type ChildProcess, execFileSync, fork, spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const BENCH_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const ROOT = path.resolve(BENCH_DIR, "..");

/** The processes one bench run started, so that it can stop every one of them. */
export class Processes {
  private readonly children = new Set<ChildProcess>();
  /** Children that lead their own process group (detached): stopped with their descendants. */
  private readonly leaders = new Set<ChildProcess>();

  private track(child: ChildProcess) {
    this.children.add(child);
    child.on("exit", () => this.children.delete(child));
    return child;
  }

  /** Forks a TypeScript file of bench/ as a Node process with an IPC channel. */
  fork(file: string, args: string[] = [], nodeFlags: string[] = []): ChildProcess {
    const execArgv = ["--import", "tsx", ...nodeFlags];
    return this.track(fork(path.join(BENCH_DIR, file), args, { execArgv, stdio: "inherit" }));
  }

  /** Spawns a server in its own process group (stopped with all its descendants). */
  spawn(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
    const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    this.leaders.add(child);
    return this.track(child);
  }

  /** Adopts a process started elsewhere (e.g. by scripts/lib/workerd.ts). */
  adopt(child: ChildProcess, opts: { detached: boolean }): ChildProcess {
    if (opts.detached) this.leaders.add(child);
    return this.track(child);
  }

  /** Signals every child; resolves once they have exited (or after `waitMs`). */
  stopAll(waitMs = 5000): Promise<void> {
    const exits = [...this.children].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once("exit", () => resolve());
        }),
    );
    for (const child of this.children) {
      try {
        // Signal a leader's whole group: wrangler's workerd processes go with wrangler.
        if (child.pid && this.leaders.has(child)) process.kill(-child.pid, "SIGTERM");
        else child.kill("SIGTERM");
      } catch {}
    }
    return Promise.race([Promise.all(exits).then(() => {}), new Promise<void>((r) => setTimeout(r, waitMs))]);
  }
}

/** Sends one IPC command and waits for the reply with the expected `ok`. */
export function ask<T>(child: ChildProcess, message: unknown, ok: string, timeoutMs = 120_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timeout waiting for ${ok}`)), timeoutMs);
    const onMessage = (reply: { ok: string; error?: string }) => {
      if (reply.ok === "error") {
        clearTimeout(timer);
        child.off("message", onMessage);
        reject(new Error(reply.error));
      } else if (reply.ok === ok) {
        clearTimeout(timer);
        child.off("message", onMessage);
        resolve(reply as T);
      }
    };
    child.on("message", onMessage);
    child.send(message as object);
  });
}

/** Waits for the first IPC message of a child (baselines announce their port). */
export const firstMessage = <T>(child: ChildProcess) =>
  new Promise<T>((resolve, reject) => {
    child.once("message", (m) => resolve(m as T));
    child.once("exit", (code) => reject(new Error(`process exited with ${code}`)));
  });

export async function waitForHttp(url: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not come up`);
}

type PsRow = { pid: number; ppid: number; comm: string; rss: number };

function ps(): PsRow[] {
  return execFileSync("ps", ["-eo", "pid=,ppid=,rss=,comm="])
    .toString()
    .trim()
    .split("\n")
    .map((l) => l.trim().split(/\s+/))
    .map(([pid, ppid, rss, comm]) => ({
      pid: Number(pid),
      ppid: Number(ppid),
      rss: Number(rss),
      comm: comm ?? "",
    }));
}

/** `rootPid` and every process descending from it. */
function tree(rows: PsRow[], rootPid: number): PsRow[] {
  const pids = new Set([rootPid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const r of rows) {
      if (!pids.has(r.pid) && pids.has(r.ppid)) {
        pids.add(r.pid);
        grew = true;
      }
    }
  }
  return rows.filter((r) => pids.has(r.pid));
}

/**
 * Resident memory (KiB) of `rootPid` and its descendants whose command starts with `only`
 * (all of them when omitted): for `wrangler dev`, the sum of its two workerd processes (the proxy
 * in front and the runtime holding the room objects) without wrangler's own Node process.
 */
export function rssKiB(rootPid: number, only?: string): number {
  return tree(ps(), rootPid)
    .filter((r) => !only || r.comm.startsWith(only))
    .reduce((sum, r) => sum + r.rss, 0);
}

/** The workerd processes under a process tree (e.g. wrangler's), for `perf` and the like. */
export function workerdPids(rootPid: number): number[] {
  return tree(ps(), rootPid)
    .filter((r) => r.comm.startsWith("workerd"))
    .map((r) => r.pid);
}
