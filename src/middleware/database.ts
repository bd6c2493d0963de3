import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../context";
import { type Db, openDb } from "../db/client";
import { loadConfig } from "../env";

/**
 * Puts the validated config and a request-scoped database handle on the context. Applied to the
 * whole app and lazy: the handle is created on first use, so a request that needs no database
 * (a warm room's history or post, `/health`) creates and closes nothing.
 */
export const database = createMiddleware<AppEnv>(async (c, next) => {
  const config = loadConfig(c.env);
  let opened: ReturnType<typeof openDb> | null = null;
  const real = () => {
    opened ??= openDb(config);
    return opened.db;
  };
  c.set("config", config);
  c.set(
    "db",
    new Proxy({} as Db, {
      get(_, prop) {
        const db = real();
        const value = Reflect.get(db, prop, db);
        return typeof value === "function" ? value.bind(db) : value;
      },
    }),
  );
  try {
    await next();
  } finally {
    // Closed before the response leaves: a socket still open when the request's I/O context
    // ends is torn down by the runtime ("Network connection lost").
    const o = opened as ReturnType<typeof openDb> | null;
    if (o) await o.close().catch((err) => console.error("closing database pool", err));
  }
});
