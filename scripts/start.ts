// npm start [-- --port 8787 --ip 127.0.0.1] — Roomcast on your own server: the deployable bundle
// on plain workerd (no wrangler dev), Durable Object storage in .data/durable-objects/.
// Database: DATABASE_URL (environment or .dev.vars) when set; otherwise the embedded PostgreSQL
// and bridge that `npm run dev` uses. Ctrl-C stops everything it started.
import type { ChildProcess } from "node:child_process";
import os from "node:os";
import { parseArgs } from "node:util";
import { type Bridge, startBridge } from "./lib/bridge";
import { ensureDevVars, portSetting, readVars } from "./lib/dev-vars";
import { openLocalDatabase } from "./lib/local-db";
import { applyMigrations } from "./lib/migrate";
import { setVariable } from "./lib/ports";
import { buildBundle, readWorkerSettings, startWorkerd } from "./lib/workerd";

const BUNDLE_DIR = "dist";
const STORAGE_DIR = ".data/durable-objects";
const R2_DIR = ".data/r2";

const { values: flags } = parseArgs({
  options: { port: { type: "string" }, ip: { type: "string" } },
});
const port = Number(flags.port ?? process.env.PORT ?? 8787);
const host = flags.ip ?? "127.0.0.1";

const createdVars = ensureDevVars();
if (createdVars) console.log(createdVars);

const local = await openLocalDatabase();
let bridge: Bridge | null = null;
let workerd: ChildProcess | null = null;
let stopping = false;
const bundling = new AbortController();
/** Past this, shutdown gives up waiting for workerd, the bridge or PostgreSQL and exits anyway. */
const SHUTDOWN_MS = 15_000;

const running = (p: ChildProcess | null): p is ChildProcess =>
  p !== null && p.exitCode === null && p.signalCode === null;

/**
 * Stops everything this started and exits with `code`. A supervisor restarts a process that
 * exits, not one that hangs: so a dead workerd ends `npm start` at once with a non-zero code, a
 * second SIGINT/SIGTERM during shutdown exits at once, and shutdown is bounded in time.
 */
async function stop(code = 0) {
  if (stopping) {
    if (running(workerd)) workerd.kill("SIGKILL");
    process.exit(code || 1);
  }
  stopping = true;
  setTimeout(() => process.exit(code || 1), SHUTDOWN_MS).unref();
  bundling.abort();
  if (running(workerd)) {
    const exited = new Promise((r) => workerd?.once("exit", r));
    workerd.kill("SIGTERM");
    await exited;
  }
  await bridge?.close();
  await local.stop();
  process.exit(code);
}
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());

/** workerd ended without being asked: exit with its code (or 128 + signal), never 0. */
function onWorkerdExit(code: number | null, signal: NodeJS.Signals | null) {
  if (stopping) return;
  console.error(`workerd exited (${signal ?? `code ${code}`}); stopping`);
  void stop(code || (signal ? 128 + (os.constants.signals[signal] ?? 0) : 1));
}

try {
  await applyMigrations(local.url);
  const settings = readWorkerSettings();
  // Precedence as in production: [vars] from wrangler.toml, then secrets (.dev.vars here), and the
  // process environment over both for any key either of them names.
  const vars: Record<string, string> = { ...settings.vars, ...readVars() };
  for (const key of new Set([...Object.keys(vars), "SECRET_KEY", "DATABASE_URL"])) {
    const value = process.env[key];
    if (value) vars[key] = value;
  }
  vars.DATABASE_URL = local.url;
  // Behind no proxy, the client's address is the connection's (src/middleware/client-address.ts).
  vars.TRUSTED_PROXY_HEADER ??= "none";
  if (local.bridgeTarget) {
    bridge = await startBridge(local.bridgeTarget, {
      port: portSetting("DB_WS_PROXY_PORT", 54330),
      portRemedy: setVariable("DB_WS_PROXY_PORT"),
    });
    vars.DB_WS_PROXY = `127.0.0.1:${bridge.port}`;
  } else {
    delete vars.DB_WS_PROXY;
  }
  console.log("bundling (wrangler deploy --dry-run)…");
  await buildBundle(BUNDLE_DIR, bundling.signal);
  if (stopping) await new Promise(() => {}); // stop() is under way and exits
  workerd = startWorkerd({
    bundleDir: BUNDLE_DIR,
    storageDir: STORAGE_DIR,
    r2Dir: R2_DIR,
    host,
    port,
    vars,
    settings,
  });
  workerd.on("exit", onWorkerdExit);
  workerd.on("error", (err) => {
    console.error("workerd could not run:", err.message);
    void stop(1);
  });
  console.log(
    [
      "",
      `  Roomcast API   http://${host}:${port}  (plain workerd, bundle in ${BUNDLE_DIR}/)`,
      `  Swagger UI     http://${host}:${port}/docs`,
      // The cluster's real folder: as root it may live under /var/tmp/roomcast/, not .data/.
      `  database       ${local.description}`,
      `  room storage   ${STORAGE_DIR}/`,
      `  files (R2)     ${R2_DIR}/`,
      "",
    ].join("\n"),
  );
} catch (err) {
  if (!stopping) console.error(err);
  await stop(1);
}
