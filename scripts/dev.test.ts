import { type ChildProcess, spawn } from "node:child_process";
import { rmSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Cluster, freePort, startCluster } from "./lib/embedded-pg";
import { PROJECT_ROOT } from "./lib/pg-data-dir";
import { projectWith } from "./lib/test-project";

// `npm run dev` as a developer runs it, in a folder of its own (so that its .dev.vars is the
// test's, not the developer's), with "an existing PostgreSQL": a cluster this test starts.

type Dev = { child: ChildProcess; output: () => string; exited: Promise<number> };

function runDev(cwd: string, args: string[], env: Record<string, string> = {}): Dev {
  // Straight under node, as `npm run dev` runs it: a tsx wrapper would SIGKILL a child slow to
  // acknowledge SIGINT (a loaded machine), which is not the stop under test.
  const child = spawn(
    process.execPath,
    ["--import", "tsx", path.join(PROJECT_ROOT, "scripts/dev.ts"), ...args],
    {
      cwd,
      env: { ...process.env, DATABASE_URL: "", PG_PORT: "", DB_WS_PROXY_PORT: "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout?.on("data", (c) => (output += c));
  child.stderr?.on("data", (c) => (output += c));
  const exited = new Promise<number>((resolve) => child.once("exit", (code) => resolve(code ?? 1)));
  return { child, output: () => output, exited };
}

async function until(check: () => boolean, what: string, dev: Dev, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (dev.child.exitCode !== null || Date.now() > deadline)
      throw new Error(`no ${what}; output:\n${dev.output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const post = (url: string, body: unknown) =>
  fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

describe("npm run dev with an existing PostgreSQL", () => {
  let cluster: Cluster;
  const folders: string[] = [];
  beforeAll(async () => {
    cluster = await startCluster(`.data/postgres-scripts-dev-${process.pid}`, await freePort());
    await cluster.createDatabase("existing");
  });
  afterAll(async () => {
    await cluster.stop();
    rmSync(cluster.dataDir, { recursive: true, force: true });
    for (const dir of folders) rmSync(dir, { recursive: true, force: true });
  });

  it("takes DATABASE_URL and DB_WS_PROXY_PORT from .dev.vars, serves on --port, and says so once ready", async () => {
    const [port, bridgePort] = [await freePort(), await freePort()];
    const dir = projectWith(
      [
        "SECRET_KEY=dev-test-secret-0123456789abcdef0123456789abcdef",
        `DATABASE_URL=${cluster.url("existing")}`,
        `DB_WS_PROXY_PORT=${bridgePort}`,
      ].join("\n"),
    );
    folders.push(dir);
    const dev = runDev(dir, ["--port", String(port)]);
    try {
      await until(() => /Swagger UI +http/.test(dev.output()), "banner", dev);
      const banner = dev.output().slice(dev.output().indexOf("Roomcast API"));
      expect(banner).toContain(`Roomcast API   http://127.0.0.1:${port}`);
      expect(banner).toContain(`DATABASE_URL from .dev.vars (127.0.0.1:${cluster.port})`);
      expect(banner).toContain(`bridge         127.0.0.1:${bridgePort} → 127.0.0.1:${cluster.port}`);
      // Printed once the worker answers: the first request after it is served.
      expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);

      const username = `dev_${process.pid}`;
      const signup = await post(`http://127.0.0.1:${port}/user/signup`, {
        username,
        email: `${username}@example.test`,
        password: "correct horse battery",
      });
      expect(signup.status).toBe(201);

      await cluster.stop(); // the existing PostgreSQL goes away
      const login = await post(`http://127.0.0.1:${port}/auth/login`, {
        username,
        password: "correct horse battery",
      });
      expect(login.status).toBe(503);
      expect(((await login.json()) as { error: { code: string } }).error.code).toBe("database_unavailable");
    } finally {
      dev.child.kill("SIGINT");
      await dev.exited;
      cluster = await startCluster(`.data/postgres-scripts-dev-${process.pid}`, cluster.port);
    }
    expect(await dev.exited, dev.output()).toBe(0); // Ctrl-C: a clean stop
  });

  it("a taken bridge port is one sentence naming the variable", async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const takenPort = (taken.address() as net.AddressInfo).port;
    const dir = projectWith("SECRET_KEY=dev-test-secret-0123456789abcdef0123456789abcdef\n");
    folders.push(dir);
    const dev = runDev(dir, ["--port", String(await freePort())], {
      DATABASE_URL: cluster.url("existing"),
      DB_WS_PROXY_PORT: String(takenPort),
    });
    try {
      expect(await dev.exited).toBe(1);
      expect(dev.output()).toContain(
        `✗ Port ${takenPort} (database bridge) is already in use by another program; set DB_WS_PROXY_PORT to a free port (in the environment or in .dev.vars).`,
      );
      expect(dev.output()).not.toMatch(/EADDRINUSE|\n\s+at /);
    } finally {
      await new Promise((r) => taken.close(r));
    }
  });

  it("an unreachable DATABASE_URL is one sentence saying which database", async () => {
    const dir = projectWith("SECRET_KEY=dev-test-secret-0123456789abcdef0123456789abcdef\n");
    folders.push(dir);
    const closed = await freePort();
    const dev = runDev(dir, ["--port", String(await freePort())], {
      DATABASE_URL: `postgres://postgres:postgres@127.0.0.1:${closed}/nothing`,
    });
    expect(await dev.exited).toBe(1);
    expect(dev.output()).toContain(
      `✗ Cannot reach DATABASE_URL (from the environment) at 127.0.0.1:${closed}: connect ECONNREFUSED 127.0.0.1:${closed}.`,
    );
    expect(dev.output()).not.toMatch(/\n\s+at /);
  });
});
