import { Client, Pool } from "@neondatabase/serverless";
import { drizzle } from "drizzle-orm/neon-serverless";
import type { Config } from "../env";
import * as schema from "./schema";

export type Db = ReturnType<typeof drizzle<typeof schema>>;

/**
 * Opens a database handle for one unit of work (a request, an outbox flush).
 * Workers may not reuse I/O objects across requests, and the room object must survive
 * hibernation, so nothing here is cached: callers `close()` when done.
 */
export function openDb(config: Config): { db: Db; close: () => Promise<void> } {
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
  const db = drizzle({ client: pool, schema });
  return {
    db,
    close: () => {
      closing = true;
      return pool.end();
    },
  };
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

/** The PostgreSQL error behind `err` (drizzle wraps driver errors in `cause`), if any. */
export function pgError(err: unknown): { code: string; constraint?: string } | undefined {
  let e: unknown = err;
  for (let i = 0; i < 3 && e && typeof e === "object"; i++) {
    const rec = e as { code?: unknown; constraint?: unknown; cause?: unknown };
    if (typeof rec.code === "string" && /^[0-9A-Z]{5}$/.test(rec.code)) {
      return { code: rec.code, ...(typeof rec.constraint === "string" && { constraint: rec.constraint }) };
    }
    e = rec.cause;
  }
  return undefined;
}

/** The constraint name of a unique_violation (23505), or undefined for any other error. */
export function uniqueViolation(err: unknown): string | undefined {
  const pg = pgError(err);
  return pg?.code === "23505" ? (pg.constraint ?? "") : undefined;
}
