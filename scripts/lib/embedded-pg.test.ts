import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { startBridge } from "./bridge";
import { freePort, initialise, startCluster } from "./embedded-pg";
import { postgresBinaries } from "./pg-binaries";
import { postgresRunAs } from "./pg-user";
import { SetupError } from "./setup-error";

// A folder PostgreSQL's account can reach even when the tests run as root.
const scratch = mkdtempSync(path.join(os.tmpdir(), "roomcast-pg-"));
chmodSync(scratch, 0o755);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Something else listening on a port, for as long as the test needs it taken. */
async function occupy(): Promise<{ port: number; release: () => Promise<void> }> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    release: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe("embedded PostgreSQL", () => {
  it("initialises once, serves UTF-8, and a second start from the same folder reuses the running server", async () => {
    const dir = `.data/postgres-scripts-test-${process.pid}`;
    const progress: string[] = [];
    const cluster = await startCluster(dir, await freePort(), { onProgress: (l) => progress.push(l) });
    try {
      expect(progress.some((l) => l.startsWith("initialising PostgreSQL"))).toBe(true);
      const client = new pg.Client({ connectionString: cluster.url("postgres") });
      await client.connect();
      const { rows } = await client.query("show server_encoding");
      await client.end();
      expect(rows[0].server_encoding).toBe("UTF8");
      const again = await startCluster(dir, await freePort());
      expect(again.port).toBe(cluster.port);
      expect(again.dataDir).toBe(cluster.dataDir);
    } finally {
      await cluster.stop();
      rmSync(cluster.dataDir, { recursive: true, force: true });
    }
  });

  it("names the port and the setting when the port is taken", async () => {
    const taken = await occupy();
    try {
      const started = startCluster(`.data/postgres-scripts-test-taken-${process.pid}`, taken.port, {
        portRemedy: "set PG_PORT to a free port",
      });
      await expect(started).rejects.toThrow(SetupError);
      await expect(started).rejects.toThrow(
        `Port ${taken.port} (embedded PostgreSQL) is already in use by another program; set PG_PORT to a free port.`,
      );
    } finally {
      await taken.release();
    }
  });

  it("a failed initdb leaves no data folder behind, and a later run starts clean", async () => {
    const runAs = postgresRunAs();
    // An initdb that writes part of a cluster, then fails as a full disk or Ctrl-C would make it.
    const failing = path.join(scratch, "initdb");
    writeFileSync(
      failing,
      '#!/bin/sh\nfor a; do case "$a" in --pgdata=*) d=$(echo "$a" | cut -d= -f2-);; esac; done\n' +
        'mkdir -p "$d/base" && echo 18 > "$d/PG_VERSION" && echo "disk full" >&2 && exit 1\n',
      { mode: 0o755 },
    );
    const dataDir = path.join(scratch, "cluster");
    const bin = { ...postgresBinaries(runAs), initdb: failing };
    await expect(initialise(bin, dataDir, runAs)).rejects.toThrow(
      /initdb failed \(1\); nothing was kept[\s\S]*disk full/,
    );
    expect(readdirSync(scratch).sort()).toEqual(["initdb"]);

    // A scratch folder left by a run that was killed mid-initdb is cleared by the next run.
    mkdirSync(`${dataDir}.initdb/base`, { recursive: true });
    await initialise(postgresBinaries(runAs), dataDir, runAs);
    expect(existsSync(path.join(dataDir, "PG_VERSION"))).toBe(true);
    expect(readdirSync(scratch).sort()).toEqual(["cluster", "initdb"]);
  });

  it("refuses a non-empty folder that holds no cluster, and leaves it alone", async () => {
    const dataDir = path.join(scratch, "not-a-cluster");
    mkdirSync(dataDir);
    writeFileSync(path.join(dataDir, "notes.txt"), "mine");
    await expect(initialise(postgresBinaries(null), dataDir, null)).rejects.toThrow(
      `${dataDir} is not empty but holds no PostgreSQL cluster; move it away and run again.`,
    );
    expect(readdirSync(dataDir)).toEqual(["notes.txt"]);
  });
});

describe("bridge", () => {
  it("names the port and the setting when its port is taken", async () => {
    const taken = await occupy();
    try {
      await expect(
        startBridge("127.0.0.1:5432", {
          port: taken.port,
          portRemedy: "set DB_WS_PROXY_PORT to a free port",
        }),
      ).rejects.toThrow(
        `Port ${taken.port} (database bridge) is already in use by another program; set DB_WS_PROXY_PORT to a free port.`,
      );
    } finally {
      await taken.release();
    }
  });
});
