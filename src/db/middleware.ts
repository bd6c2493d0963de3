import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../context";
import { loadConfig } from "../env";
import { openDb } from "./client";

/** Puts the validated config and a request-scoped database handle on the context. */
export const withDb = createMiddleware<AppEnv>(async (c, next) => {
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
