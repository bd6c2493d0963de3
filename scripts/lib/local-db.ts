import { configuredDatabaseUrl } from "./dev-vars";
import { type Cluster, startCluster } from "./embedded-pg";

export const DEV_DATA_DIR = ".data/postgres";
export const DEV_DATABASE = "roomcast";
export const devPgPort = () => Number(process.env.PG_PORT || 54329);

export type LocalDatabase = { url: string; cluster: Cluster | null; stop: () => Promise<void> };

/**
 * The database the local commands work on: DATABASE_URL when configured, otherwise the embedded
 * development cluster (started here, data kept in .data/postgres).
 */
export async function openLocalDatabase(): Promise<LocalDatabase> {
  const configured = configuredDatabaseUrl();
  if (configured) return { url: configured, cluster: null, stop: async () => {} };
  const cluster = await startCluster(DEV_DATA_DIR, devPgPort());
  await cluster.createDatabase(DEV_DATABASE);
  return { url: cluster.url(DEV_DATABASE), cluster, stop: () => cluster.stop() };
}
