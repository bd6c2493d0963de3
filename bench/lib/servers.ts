// Starting each kind of server under test; each resolves once the server answers.
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort } from "../../scripts/lib/embedded-pg";
import { buildBundle, startWorkerd, type WorkerSettings } from "../../scripts/lib/workerd";
import { firstMessage, type Processes, ROOT, waitForHttp } from "./procs";

/** Where a started server listens, and the process whose tree holds its sockets. */
export type Started = { port: number; pid: number };

const tmp = (name: string) => mkdtempSync(path.join(os.tmpdir(), `roomcast-bench-${name}-`));

// Runtime chatter that says nothing about the run (no Cloudflare account, compat-flag notes).
const QUIET = /Request\.cf|workers\.cloudflare\.com|getaddrinfo|became the default/;
const relay = (label: string) => (d: Buffer) => {
  const text = d.toString();
  if (text.trim() && !QUIET.test(text)) process.stderr.write(`[${label}] ${text}`);
};

/** The production-runtime line: the deploy bundle on plain `workerd serve`, fresh storage on disk. */
export async function startRoomcastWorkerd(
  procs: Processes,
  settings: WorkerSettings,
  vars: Record<string, string>,
  extraArgs: string[] = [],
): Promise<Started> {
  const bundleDir = tmp("bundle");
  await buildBundle(bundleDir);
  const port = await freePort();
  const child = procs.adopt(
    startWorkerd(
      {
        bundleDir,
        storageDir: tmp("do"),
        r2Dir: tmp("r2"),
        host: "127.0.0.1",
        port,
        vars: { ...settings.vars, ...vars },
        settings,
        extraArgs,
      },
      { stdio: "pipe", detached: true },
    ),
    { detached: true },
  );
  child.stderr?.on("data", relay("workerd"));
  await waitForHttp(`http://127.0.0.1:${port}/health`, 60_000);
  return { port, pid: child.pid ?? 0 };
}

/** The dev line: `wrangler dev` (proxy workerd + runtime workerd), fresh persisted storage. */
export async function startRoomcastDev(procs: Processes, vars: Record<string, string>): Promise<Started> {
  const port = await freePort();
  const wrangler = procs.spawn(path.join(ROOT, "node_modules/.bin/wrangler"), [
    "dev",
    ...["--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(await freePort())],
    ...["--persist-to", tmp("dev"), "--show-interactive-dev-session=false", "--log-level", "error"],
    ...Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`]),
  ]);
  wrangler.stderr?.on("data", relay("wrangler"));
  await waitForHttp(`http://127.0.0.1:${port}/health`, 90_000);
  return { port, pid: wrangler.pid ?? 0 };
}

/** A Node baseline of bench/baselines/, which announces its port over IPC. */
export async function startBaseline(
  procs: Processes,
  file: string,
  args: string[],
  nodeFlags: string[] = [],
): Promise<Started> {
  const child = procs.fork(file, ["0", ...args], nodeFlags);
  return { port: (await firstMessage<{ port: number }>(child)).port, pid: child.pid ?? 0 };
}
