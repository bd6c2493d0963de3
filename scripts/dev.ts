// npm run dev — the whole service locally with one command.
// Without DATABASE_URL: embedded PostgreSQL (.data/postgres) + migrations + the bridge the Neon
// driver uses to reach it + wrangler dev. Ctrl-C stops everything it started.
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { type Bridge, startBridge } from "./lib/bridge";
import { DEV_VARS, ensureDevVars } from "./lib/dev-vars";
import { DEV_DATA_DIR, openLocalDatabase } from "./lib/local-db";
import { applyMigrations } from "./lib/migrate";

if (ensureDevVars()) console.log(`created ${DEV_VARS} from .dev.vars.example with a random SECRET_KEY`);

const local = await openLocalDatabase();
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
  await local.stop();
  process.exit(code);
}
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());

try {
  await applyMigrations(local.url);
  const vars: string[] = [];
  if (local.cluster) {
    bridge = await startBridge(`127.0.0.1:${local.cluster.port}`, {
      port: Number(process.env.DB_WS_PROXY_PORT || 54330),
    });
    vars.push("--var", `DATABASE_URL:${local.url}`, "--var", `DB_WS_PROXY:127.0.0.1:${bridge.port}`);
  }
  console.log(
    [
      "",
      "  Roomcast API   http://127.0.0.1:8787",
      "  Swagger UI     http://127.0.0.1:8787/docs",
      `  database       ${local.cluster ? `embedded PostgreSQL, data in ${DEV_DATA_DIR}/` : "DATABASE_URL"}`,
      "",
    ].join("\n"),
  );
  wrangler = spawn(path.resolve("node_modules/.bin/wrangler"), ["dev", ...vars, ...process.argv.slice(2)], {
    stdio: "inherit",
  });
  wrangler.on("exit", (code) => void stop(code ?? 0));
} catch (err) {
  console.error(err);
  await stop(1);
}
