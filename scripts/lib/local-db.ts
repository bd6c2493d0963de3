import pg from "pg";
import { configuredDatabaseUrl, portSetting } from "./dev-vars";
import { type Cluster, startCluster } from "./embedded-pg";
import { setVariable } from "./ports";
import { SetupError } from "./setup-error";

export const DEV_DATA_DIR = ".data/postgres";
export const DEV_DATABASE = "roomcast";
export const devPgPort = () => portSetting("PG_PORT", 54329);

export type LocalDatabase = {
  url: string;
  /** For people: which database this is. */
  description: string;
  /**
   * host:port the worker's Neon driver must reach through the local bridge, or null when it
   * reaches the database by itself (Neon's own WebSocket proxy).
   */
  bridgeTarget: string | null;
  cluster: Cluster | null;
  stop: () => Promise<void>;
};

/**
 * The database the local commands work on: DATABASE_URL when configured (environment or
 * .dev.vars), otherwise the embedded development cluster (started here, data in .data/postgres).
 * Either way it answers a query before this returns, or the error says which database and why.
 */
export async function openLocalDatabase(onProgress?: (line: string) => void): Promise<LocalDatabase> {
  const configured = configuredDatabaseUrl();
  if (configured) {
    const target = postgresAddress(configured.value, configured.from);
    await ensureReachable(configured.value, `DATABASE_URL (from ${configured.from}) at ${target}`);
    return {
      url: configured.value,
      description: `DATABASE_URL from ${configured.from} (${target})`,
      bridgeTarget: isNeonHost(target) ? null : target,
      cluster: null,
      stop: async () => {},
    };
  }
  const cluster = await startCluster(DEV_DATA_DIR, devPgPort(), {
    portRemedy: setVariable("PG_PORT"),
    ...(onProgress && { onProgress }),
  });
  await cluster.createDatabase(DEV_DATABASE);
  return {
    url: cluster.url(DEV_DATABASE),
    description: `embedded PostgreSQL on port ${cluster.port}, data in ${cluster.dataDir}`,
    bridgeTarget: `127.0.0.1:${cluster.port}`,
    cluster,
    stop: () => cluster.stop(),
  };
}

/** host:port of a postgres:// URL, as the Neon driver will ask the bridge for it. */
export function postgresAddress(url: string, from = "DATABASE_URL"): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SetupError(
      `DATABASE_URL (from ${from}) is not a URL; expected postgres://user:password@host:port/db.`,
    );
  }
  if (parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:") {
    throw new SetupError(
      `DATABASE_URL (from ${from}) must start with postgres:// (it is ${parsed.protocol}//…).`,
    );
  }
  return `${parsed.hostname}:${parsed.port || 5432}`;
}

/** Neon's hosts are reached through Neon's own WebSocket proxy; any other PostgreSQL needs the bridge. */
const isNeonHost = (address: string) => /\.neon\.tech:\d+$/.test(address);

async function ensureReachable(url: string, what: string) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
    await client.query("select 1");
  } catch (err) {
    // A refused connection to "localhost" is an AggregateError (IPv4 and IPv6) with no message.
    const reason = (err as Error).message || (err as NodeJS.ErrnoException).code || String(err);
    throw new SetupError(`Cannot reach ${what}: ${reason}. Is it running, and are the credentials right?`);
  } finally {
    await client.end().catch(() => {});
  }
}
