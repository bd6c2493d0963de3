import { type ChildProcess, execFileSync, fork, spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const BENCH_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const ROOT = path.resolve(BENCH_DIR, "..");

const children = new Set<ChildProcess>();

/** Forks a TypeScript file of bench/ as a Node process with an IPC channel. */
export function forkTs(file: string, args: string[] = []): ChildProcess {
  const child = fork(path.join(BENCH_DIR, file), args, { execArgv: ["--import", "tsx"], stdio: "inherit" });
  children.add(child);
  child.on("exit", () => children.delete(child));
  return child;
}

export function spawnTracked(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): ChildProcess {
  const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  children.add(child);
  child.on("exit", () => children.delete(child));
  return child;
}

/** Stops every process this run started (whole process groups for detached ones). */
export function killAll() {
  for (const child of children) {
    try {
      if (child.spawnargs.includes("dev") && child.pid) process.kill(-child.pid, "SIGTERM");
      else child.kill("SIGTERM");
    } catch {}
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

/** Resident memory (KiB) of a process and, for the service, of its workerd descendants. */
export function rssKiB(pid: number): number {
  const out = execFileSync("ps", ["-o", "rss=", "-p", String(pid)])
    .toString()
    .trim();
  return Number(out) || 0;
}

/** The workerd process under a wrangler process tree (the runtime that holds the sockets). */
export function findWorkerd(rootPid: number): number | null {
  const rows = execFileSync("ps", ["-eo", "pid=,ppid=,comm="])
    .toString()
    .trim()
    .split("\n")
    .map((l) => l.trim().split(/\s+/))
    .map(([pid, ppid, comm]) => ({ pid: Number(pid), ppid: Number(ppid), comm: comm ?? "" }));
  const tree = new Set([rootPid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const r of rows) {
      if (!tree.has(r.pid) && tree.has(r.ppid)) {
        tree.add(r.pid);
        grew = true;
      }
    }
  }
  return rows.find((r) => tree.has(r.pid) && r.comm.startsWith("workerd"))?.pid ?? null;
}
