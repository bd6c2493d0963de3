// npm run dev — the whole service locally with one command.
// The database: DATABASE_URL (environment or .dev.vars), else an embedded PostgreSQL (.data/postgres).
// Then migrations, the bridge the Neon driver uses to reach a plain PostgreSQL, and wrangler dev.
// The banner is printed once /health answers. Ctrl-C stops everything it started.
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { type Bridge, startBridge } from "./lib/bridge";
import { ensureDevVars, portSetting } from "./lib/dev-vars";
import { type LocalDatabase, openLocalDatabase } from "./lib/local-db";
import { applyMigrations } from "./lib/migrate";
import { portInUse, portTaken, setVariable } from "./lib/ports";
import { explain } from "./lib/setup-error";
import { waitForHealth, workerAddress } from "./lib/worker-address";

const say = (line: string) => console.log(`  ${line}`);

let local: LocalDatabase | null = null;
let bridge: Bridge | null = null;
let wrangler: ChildProcess | null = null;
let stopping = false;

async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  if (wrangler && wrangler.exitCode === null) {
    wrangler.kill("SIGINT");
    await new Promise((r) => wrangler?.once("exit", r));
  }
  await bridge?.close();
  await local?.stop();
  process.exit(code);
}
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());

try {
  const created = ensureDevVars();
  if (created) say(created);
  const args = process.argv.slice(2);
  const worker = await workerAddress(args);
  if (await portInUse(worker.port)) {
    throw portTaken(worker.port, "wrangler dev", "choose another with npm run dev -- --port <port>");
  }
  local = await openLocalDatabase(say);
  await applyMigrations(local.url);
  const vars = ["--var", `DATABASE_URL:${local.url}`];
  if (local.bridgeTarget) {
    bridge = await startBridge(local.bridgeTarget, {
      port: portSetting("DB_WS_PROXY_PORT", 54330),
      portRemedy: setVariable("DB_WS_PROXY_PORT"),
    });
    vars.push("--var", `DB_WS_PROXY:127.0.0.1:${bridge.port}`);
  }
  say("starting wrangler dev…");
  wrangler = spawn(path.resolve("node_modules/.bin/wrangler"), ["dev", ...vars, ...args], {
    stdio: "inherit",
    // Roomcast never reads request.cf: skip wrangler's download of it (offline, a failure prints a stack).
    env: { CLOUDFLARE_CF_FETCH_ENABLED: "false", ...process.env },
  });
  const exited = new Promise<number>((resolve) => wrangler?.once("exit", (code) => resolve(code ?? 1)));
  void exited.then((code) => stop(code));
  if (await waitForHealth(worker.url, exited)) {
    console.log(
      [
        "",
        `  Roomcast API   ${worker.url}   (ready: GET ${worker.url}/health answered)`,
        `  Swagger UI     ${worker.url}/docs`,
        `  database       ${local.description}`,
        ...(bridge ? [`  bridge         127.0.0.1:${bridge.port} → ${local.bridgeTarget}`] : []),
        "",
      ].join("\n"),
    );
  }
} catch (err) {
  console.error(explain(err));
  await stop(1);
}
