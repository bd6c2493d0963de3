import { Client, Pool } from "@neondatabase/serverless";
import { drizzle } from "drizzle-orm/neon-serverless";
import type { Config } from "../env";
import { DatabaseUnreachable, pgError } from "./errors";

type DbConfig = Pick<Config, "DATABASE_URL" | "DB_WS_PROXY">;

import * as schema from "./schema";

export type Db = ReturnType<typeof drizzle<typeof schema>>;

/**
 * Opens a database handle for one unit of work (a request, an outbox flush).
 * Workers may not reuse I/O objects across requests, and the room object must survive
 * hibernation, so nothing here is cached: callers `close()` when done.
 */
export function openDb(config: DbConfig): { db: Db; close: () => Promise<void> } {
  const pool = new Pool({ connectionString: config.DATABASE_URL, max: 1 });
  // The driver's Pool sets its Client class after construction (ignoring `options.Client`).
  if (config.DB_WS_PROXY)
    (pool as unknown as { Client: typeof Client }).Client = bridgedClient(config.DB_WS_PROXY);
  // An idle connection that drops must not become an uncaught error in the isolate. Inside a
  // Durable Object, closing the pool makes the runtime report its socket as lost: expected then.
  let closing = false;
  pool.on("error", (err: Error) => {
    if (!closing) console.warn("database connection error", err.message);
  });
  unreachableWhenConnectFails(pool);
  const db = drizzle({ client: pool, schema });
  return {
    db,
    close: () => {
      closing = true;
      return pool.end();
    },
  };
}

/**
 * A connection the pool cannot open fails as `DatabaseUnreachable` (a type `databaseUnavailable`
 * recognises). Queries outside transactions connect through the callback form, and drizzle wraps
 * their failures in its own query error already; transactions call `connect()` directly.
 */
function unreachableWhenConnectFails(pool: Pool) {
  const connect = pool.connect.bind(pool) as (...args: unknown[]) => unknown;
  (pool as unknown as { connect: (...args: unknown[]) => unknown }).connect = (...args) =>
    args.length > 0
      ? connect(...args)
      : (connect() as Promise<unknown>).catch((err: unknown) => {
          throw pgError(err) ? err : new DatabaseUnreachable(err);
        });
}

const bridged = new Map<string, typeof Client>();

/**
 * Local development and tests: a client that speaks plain WebSocket to the bridge in front of
 * the embedded PostgreSQL (scripts/lib/bridge.ts). Set per client, not on the global
 * `neonConfig`, so that connections to different bridges can coexist in one isolate.
 * Production talks TLS to Neon with the driver's defaults.
 */
function bridgedClient(proxy: string): typeof Client {
  let cls = bridged.get(proxy);
  if (!cls) {
    cls = class BridgedClient extends Client {
      constructor(config?: ConstructorParameters<typeof Client>[0]) {
        super(config);
        const c = this.neonConfig;
        c.wsProxy = (host, port) => `${proxy}/v2?address=${host}:${port}`;
        c.useSecureWebSocket = false;
        c.pipelineTLS = false;
        c.pipelineConnect = false;
      }
    };
    bridged.set(proxy, cls);
  }
  return cls;
}

/** Runs one unit of work on its own connection and closes it, whatever happens. */
export async function withDb<T>(config: DbConfig, work: (db: Db) => Promise<T>): Promise<T> {
  const { db, close } = openDb(config);
  try {
    return await work(db);
  } finally {
    await close().catch(() => {});
  }
}
