import { type ChildProcess, spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPushService } from "../test/fakes/push-service";
import { TEST_VAPID } from "../test/fakes/test-keys";
import { startWebhookReceiver } from "../test/fakes/webhook-receiver";
import { type Cluster, freePort, startCluster } from "./lib/embedded-pg";
import { PROJECT_ROOT } from "./lib/pg-data-dir";

// Issue 21: what is queued for delivery out of the product (a webhook's pending deliveries, a
// user's pending push) survives `npm start` being killed (-9, no clean stop) and started again.

type Server = { child: ChildProcess; output: () => string };

function start(cwd: string, port: number): Server {
  // A process group of its own, so that the kill takes workerd with it, as a crash would.
  const child = spawn(
    process.execPath,
    ["--import", "tsx", path.join(PROJECT_ROOT, "scripts/start.ts"), "--port", String(port)],
    {
      cwd,
      env: { ...process.env, DATABASE_URL: "", PG_PORT: "", DB_WS_PROXY_PORT: "" },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    },
  );
  let output = "";
  child.stdout?.on("data", (c) => (output += c));
  child.stderr?.on("data", (c) => (output += c));
  return { child, output: () => output };
}

async function killHard(s: Server) {
  if (s.child.exitCode !== null || s.child.signalCode !== null) return;
  const exited = new Promise((r) => s.child.once("exit", r));
  if (s.child.pid) process.kill(-s.child.pid, "SIGKILL");
  await exited;
}

async function until<T>(check: () => Promise<T | undefined>, what: string, s: Server, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const hit = await check().catch(() => undefined);
    if (hit !== undefined) return hit;
    if (Date.now() > deadline || s.child.exitCode !== null)
      throw new Error(`no ${what}; output:\n${s.output()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const json = async <T>(url: string, method: string, body?: unknown, token?: string): Promise<T> => {
  const res = await fetch(url, {
    method,
    headers: { "content-type": "application/json", ...(token && { authorization: `Bearer ${token}` }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (res.status >= 400) throw new Error(`${method} ${url} → ${res.status} ${text}`);
  return (text ? JSON.parse(text) : null) as T;
};

describe("npm start killed and started again", () => {
  let cluster: Cluster;
  let dir: string;
  beforeAll(async () => {
    cluster = await startCluster(`.data/postgres-scripts-restart-${process.pid}`, await freePort());
    await cluster.createDatabase("restart");
    dir = mkdtempSync(path.join(os.tmpdir(), "roomcast-restart-"));
    for (const name of ["node_modules", "src", "migrations", "scripts", "client", "public"])
      symlinkSync(path.join(PROJECT_ROOT, name), path.join(dir, name));
    for (const name of ["wrangler.toml", "package.json", "tsconfig.json", ".dev.vars.example"])
      copyFileSync(path.join(PROJECT_ROOT, name), path.join(dir, name));
  });
  afterAll(async () => {
    await cluster.stop();
    rmSync(cluster.dataDir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  it("delivers the webhook events and the push that were queued, in order, exactly once", async () => {
    const receiver = await startWebhookReceiver();
    const push = await startPushService(TEST_VAPID.publicKey);
    writeFileSync(
      path.join(dir, ".dev.vars"),
      [
        "SECRET_KEY=restart-test-secret-0123456789abcdef0123456789abcdef",
        // A PostgreSQL of the test's own (npm start puts its bridge in front of it).
        `DATABASE_URL=${cluster.url("restart")}`,
        `DB_WS_PROXY_PORT=${await freePort()}`,
        "PBKDF2_ITERATIONS=10000",
        `VAPID_PUBLIC_KEY=${TEST_VAPID.publicKey}`,
        `VAPID_PRIVATE_KEY=${TEST_VAPID.privateKey}`,
        "PUSH_DELAY_MS=200",
        "PUSH_RETRY_BASE_MS=500",
        "WEBHOOK_RETRY_BASE_MS=500",
        "",
      ].join("\n"),
    );
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    let server = start(dir, port);
    try {
      await until(async () => ((await fetch(`${base}/health`)).ok ? true : undefined), "health", server);
      const users = [];
      for (const name of ["alice", "bob"]) {
        const username = `${name}_${process.pid}`;
        const credentials = { username, password: "correct horse battery" };
        const user = await json<{ id: number }>(`${base}/user/signup`, "POST", {
          ...credentials,
          email: `${username}@example.test`,
        });
        const login = await json<{ access_token: string }>(`${base}/auth/login`, "POST", credentials);
        users.push({ ...user, username, token: login.access_token });
      }
      const [alice, bob] = users as [(typeof users)[0], (typeof users)[0]];
      const room = await json<{ id: number }>(`${base}/room/`, "POST", { name: "restart" }, alice.token);
      await json(`${base}/room/${room.id}/members/join`, "POST", undefined, bob.token);
      const device = await json<{ id: string; subscription: unknown }>(`${push.url}/subscribers`, "POST");
      await json(`${base}/push/subscriptions`, "POST", device.subscription, bob.token);
      await json(`${push.url}/subscribers/${device.id}/answers`, "POST", { statuses: Array(500).fill(503) });
      const r = await json<{ id: string; url: string }>(`${receiver.url}/receivers`, "POST");
      const hook = await json<{ secret: string }>(
        `${base}/room/${room.id}/webhooks`,
        "POST",
        { url: r.url },
        alice.token,
      );
      await json(`${receiver.url}/receivers/${r.id}/secret`, "PUT", { secret: hook.secret });
      await json(`${receiver.url}/receivers/${r.id}/fail`, "POST", { statuses: Array(500).fill(503) });
      const sent: number[] = [];
      for (const text of [`@${bob.username} one`, "two", "three"]) {
        const m = await json<{ seq: number }>(
          `${base}/message/rooms/${room.id}/messages`,
          "POST",
          { content: text },
          alice.token,
        );
        sent.push(m.seq);
      }
      // Both deliveries are being retried: queued in the objects' storage, nothing delivered.
      type Recv = {
        attempts: number;
        accepted: Array<{ id: string; seq: number }>;
        duplicates: number;
        outOfOrder: number;
        bodyMismatches: number;
      };
      type Dev = { attempts: number; received: Array<{ payload: { seq: number } }>; errors: string[] };
      await until(
        async () =>
          (await json<Recv>(`${receiver.url}/receivers/${r.id}`, "GET")).attempts >= 2 ? true : undefined,
        "webhook attempts",
        server,
      );
      await until(
        async () =>
          (await json<Dev>(`${push.url}/subscribers/${device.id}`, "GET")).attempts >= 1 ? true : undefined,
        "push attempts",
        server,
      );

      await killHard(server);
      await json(`${receiver.url}/receivers/${r.id}/fail`, "POST", { clear: true });
      await json(`${push.url}/subscribers/${device.id}/answers`, "POST", { clear: true });
      server = start(dir, port);
      await until(
        async () => ((await fetch(`${base}/health`)).ok ? true : undefined),
        "health after restart",
        server,
      );

      // Nobody calls the room or the queue again: their alarms resume the work on their own.
      const got = await until(
        async () => {
          const s = await json<Recv>(`${receiver.url}/receivers/${r.id}`, "GET");
          return s.accepted.length === 3 ? s : undefined;
        },
        "webhook deliveries after restart",
        server,
      );
      expect(got.accepted.map((a) => a.seq)).toEqual(sent);
      expect(got).toMatchObject({ duplicates: 0, outOfOrder: 0, bodyMismatches: 0 });
      const dev = await until(
        async () => {
          const s = await json<Dev>(`${push.url}/subscribers/${device.id}`, "GET");
          return s.received.length > 0 ? s : undefined;
        },
        "push after restart",
        server,
      );
      expect(dev.errors).toEqual([]);
      expect(dev.received.map((p) => p.payload.seq)).toEqual([sent[0]]);
    } catch (err) {
      throw new Error(`${err}\nserver output:\n${server.output().slice(-3000)}`);
    } finally {
      const exited = new Promise((r) => server.child.once("exit", r));
      if (server.child.exitCode === null) server.child.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
      await killHard(server).catch(() => {});
      await receiver.close();
      await push.close();
    }
  });
});
