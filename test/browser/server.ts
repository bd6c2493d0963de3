import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type Bridge, startBridge } from "../../scripts/lib/bridge";
import { newVapidKeys } from "../../scripts/lib/dev-vars";
import { type Cluster, freePort, startCluster } from "../../scripts/lib/embedded-pg";
import { applyMigrations } from "../../scripts/lib/migrate";

export type Server = { baseUrl: string; stop: () => Promise<void> };

const ROOT = path.resolve(import.meta.dirname, "../..");

/**
 * The whole service as a developer runs it, on free ports: an embedded PostgreSQL (a fresh
 * database per run), migrations, the bridge, and `wrangler dev` (which builds public/vendor
 * through wrangler.toml [build]). Its variables come from a file of its own (`--env-file`), so a
 * developer's .dev.vars never leaks in, and its Durable Object storage from a fresh directory.
 * `vars` adds or overrides configuration (e.g. a short ACCESS_TOKEN_TTL_SECONDS).
 */
export async function startServer(vars: Record<string, string> = {}): Promise<Server> {
  let cluster: Cluster | null = null;
  let bridge: Bridge | null = null;
  let wrangler: ChildProcess | null = null;
  const scratch = mkdtempSync(path.join(tmpdir(), "roomcast-e2e-"));
  const database = `roomcast_e2e_${Date.now()}_${process.pid}`;
  const stop = async () => {
    if (wrangler && wrangler.exitCode === null) {
      const exited = new Promise((r) => wrangler?.once("exit", r));
      wrangler.kill("SIGINT");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (wrangler.exitCode === null) wrangler.kill("SIGKILL");
    }
    await bridge?.close();
    await cluster?.dropDatabase(database).catch(() => {});
    await cluster?.stop();
    rmSync(scratch, { recursive: true, force: true });
  };
  try {
    cluster = await startCluster(path.join(ROOT, ".data/postgres-e2e"), await freePort());
    await cluster.createDatabase(database);
    const url = cluster.url(database);
    await applyMigrations(url);
    bridge = await startBridge(`127.0.0.1:${cluster.port}`);
    const envFile = path.join(scratch, "vars.env");
    const vapid = newVapidKeys();
    writeFileSync(
      envFile,
      [
        "SECRET_KEY=e2e-only-secret-0123456789abcdef0123456789abcdef",
        `DATABASE_URL=${url}`,
        `DB_WS_PROXY=127.0.0.1:${bridge.port}`,
        // Fast logins: the browser tests sign up and log in many users.
        "PBKDF2_ITERATIONS=10000",
        // …from one address (README "Security and limits").
        "SIGNUPS_PER_ADDRESS_PER_HOUR=1000000",
        "ROOMS_CREATED_PER_USER_PER_HOUR=1000000",
        "DMS_OPENED_PER_USER_PER_HOUR=1000000",
        // Web Push on, as `npm run dev` has it: a fresh pair, as .dev.vars gets on a first run.
        `VAPID_PUBLIC_KEY=${vapid.publicKey}`,
        `VAPID_PRIVATE_KEY=${vapid.privateKey}`,
        ...Object.entries(vars).map(([k, v]) => `${k}=${v}`),
        "",
      ].join("\n"),
    );
    const port = await freePort();
    const args = ["dev", "--port", String(port), "--inspector-port", String(await freePort())];
    args.push("--env-file", envFile, "--persist-to", path.join(scratch, "state"), "--log-level", "warn");
    args.push("--show-interactive-dev-session=false");
    wrangler = spawn(path.join(ROOT, "node_modules/.bin/wrangler"), args, {
      cwd: ROOT,
      stdio: ["ignore", "inherit", "inherit"],
      env: { ...process.env, CI: "1" },
    });
    const baseUrl = `http://127.0.0.1:${port}`;
    await waitForHealth(baseUrl, wrangler);
    return { baseUrl, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function waitForHealth(baseUrl: string, proc: ChildProcess, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`wrangler dev exited with ${proc.exitCode}`);
    try {
      if ((await fetch(`${baseUrl}/health`)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`wrangler dev did not answer ${baseUrl}/health within ${timeoutMs} ms`);
}
