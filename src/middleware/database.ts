import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../context";
import { openDb } from "../db/client";
import { loadConfig } from "../env";

/**
 * Puts the validated config and a request-scoped database handle on the context. Applied to the
 * whole app: the driver connects on the first query only, so a request that needs no database
 * (a warm room's history, /health) pays nothing for it.
 */
export const database = createMiddleware<AppEnv>(async (c, next) => {
  const config = loadConfig(c.env);
  const { db, close } = openDb(config);
  c.set("config", config);
  c.set("db", db);
  try {
    await next();
  } finally {
    // Closed before the response leaves: a socket still open when the request's I/O context
    // ends is torn down by the runtime ("Network connection lost").
    await close().catch((err) => console.error("closing database pool", err));
  }
});
