import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Cluster, freePort, startCluster } from "./lib/embedded-pg";
import { PROJECT_ROOT } from "./lib/pg-data-dir";
import { projectWith } from "./lib/test-project";

// Issue 18, item 9: `npm start` under a supervisor. A dead workerd must end it promptly with a
// non-zero code (a hang is never restarted), and a signal during shutdown must not hang it.

type Start = { child: ChildProcess; output: () => string; exited: Promise<number | null> };

function runStart(cwd: string, port: number, env: Record<string, string>): Start {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", path.join(PROJECT_ROOT, "scripts/start.ts"), "--port", String(port)],
    { cwd, env: { ...process.env, PG_PORT: "", ...env }, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout?.on("data", (c) => (output += c));
  child.stderr?.on("data", (c) => (output += c));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function healthy(url: string, start: Start, timeoutMs = 150_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (start.child.exitCode !== null) break;
    if (
      await fetch(url).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`no health at ${url}; output:\n${start.output()}`);
}

/** The workerd process `npm start` runs (its direct child). */
function workerdOf(pid: number): number {
  const lines = execFileSync("ps", ["--ppid", String(pid), "-o", "pid=,args="], { encoding: "utf8" });
  const line = lines.split("\n").find((l) => /workerd\s+serve/.test(l));
  if (!line) throw new Error(`no workerd child of ${pid}:\n${lines}`);
  return Number(line.trim().split(/\s+/)[0]);
}

/** Whether a process is still running (a zombie waiting to be reaped is not). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

const within = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<"timeout">((r) => setTimeout(() => r("timeout"), ms))]);

describe("npm start under a supervisor", () => {
  let cluster: Cluster;
  let dir: string;
  beforeAll(async () => {
    cluster = await startCluster(`.data/postgres-scripts-start-${process.pid}`, await freePort());
    await cluster.createDatabase("start");
    dir = projectWith("SECRET_KEY=start-test-secret-0123456789abcdef0123456789abcdef\n");
  });
  afterAll(async () => {
    await cluster.stop();
    rmSync(cluster.dataDir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  it("serves the assets and the worker from one worker: files with their headers, the API, upgrades", async () => {
    const port = await freePort();
    const start = runStart(dir, port, {
      DATABASE_URL: cluster.url("start"),
      DB_WS_PROXY_PORT: String(await freePort()),
    });
    try {
      const base = `http://127.0.0.1:${port}`;
      await healthy(`${base}/health`, start);
      const page = await fetch(`${base}/`);
      expect([page.status, page.headers.get("content-type"), page.headers.get("x-frame-options")]).toEqual([
        200,
        "text/html; charset=utf-8",
        "DENY",
      ]);
      expect(await page.text()).toContain("<html");
      const api = await fetch(`${base}/no-such-route`);
      expect([api.status, ((await api.json()) as { error: { code: string } }).error.code]).toEqual([
        404,
        "route_not_found",
      ]);
      // An upgrade reaches the worker through the wrapper: without a token it is refused visibly.
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/1`);
      const closed = await new Promise<number>((resolve) =>
        ws.addEventListener("close", (e) => resolve(e.code)),
      );
      expect(closed).toBe(4401);
      // One worker: the router wraps it (no second worker for a socket to pass through, issue 25).
      const config = readFileSync(path.join(dir, "dist/workerd.capnp"), "utf8");
      expect(config).toContain('service = "main")]');
      expect(config).not.toContain('(name = "router"');
    } finally {
      // SIGTERM: npm start stops its workerd and bridge (a SIGKILL would leave them running).
      if (start.child.exitCode === null) start.child.kill("SIGTERM");
      await within(start.exited, 15_000);
    }
  });

  it("exits non-zero within seconds when workerd dies, and stops its bridge", async () => {
    const port = await freePort();
    const bridgePort = await freePort();
    const start = runStart(dir, port, {
      DATABASE_URL: cluster.url("start"),
      DB_WS_PROXY_PORT: String(bridgePort),
    });
    try {
      await healthy(`http://127.0.0.1:${port}/health`, start);
      process.kill(workerdOf(start.child.pid ?? 0), "SIGKILL");
      const code = await within(start.exited, 10_000);
      expect(code, start.output()).not.toBe("timeout");
      expect(code).not.toBe(0);
      expect(start.output()).toMatch(/workerd exited \(SIGKILL\)/);
      // The bridge's port is free again.
      await expect(fetch(`http://127.0.0.1:${bridgePort}/`)).rejects.toThrow();
    } finally {
      if (start.child.exitCode === null) start.child.kill("SIGKILL");
    }
  });

  it("a second SIGTERM during shutdown exits at once", async () => {
    const port = await freePort();
    const start = runStart(dir, port, {
      DATABASE_URL: cluster.url("start"),
      DB_WS_PROXY_PORT: String(await freePort()),
    });
    try {
      await healthy(`http://127.0.0.1:${port}/health`, start);
      const workerd = workerdOf(start.child.pid ?? 0);
      // workerd stopped (SIGSTOP) cannot finish its shutdown: the first SIGTERM waits for it.
      process.kill(workerd, "SIGSTOP");
      start.child.kill("SIGTERM");
      await new Promise((r) => setTimeout(r, 500));
      expect(start.child.exitCode).toBeNull();
      start.child.kill("SIGTERM");
      const code = await within(start.exited, 5_000);
      expect(code, start.output()).toBe(1);
      // …and it took workerd with it.
      await new Promise((r) => setTimeout(r, 300));
      expect(alive(workerd)).toBe(false);
    } finally {
      if (start.child.exitCode === null) start.child.kill("SIGKILL");
    }
  });
});
