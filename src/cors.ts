import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import type { AppEnv } from "./context";

/**
 * With ALLOWED_ORIGINS unset, any page served from this machine (`http://localhost:<any port>`,
 * `http://127.0.0.1:<any port>`) may call the API: a front-end dev server works out of the box,
 * and a deployment that forgot the variable stays closed to every public origin. The API takes
 * bearer tokens, never cookies, so an allowed origin gains no ambient authority: CORS here only
 * decides which web apps may talk to the API at all.
 */
const LOCAL_ORIGIN = /^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/;

/** The last `ALLOWED_ORIGINS` parsed: CORS asks on every request, and the variable never changes in an isolate. */
let parsed: { configured: string; list: string[] } | null = null;
function allowedList(configured: string): string[] {
  if (parsed?.configured !== configured) {
    const list = configured
      .split(",")
      .map((o) => o.trim().replace(/\/$/, ""))
      .filter(Boolean);
    parsed = { configured, list };
  }
  return parsed.list;
}

/** `ALLOWED_ORIGINS`: comma-separated exact origins (`https://app.example.com`), or `*` for any. */
export function originAllowed(origin: string, configured: string | undefined): boolean {
  const list = allowedList(configured ?? "");
  if (list.length === 0) return LOCAL_ORIGIN.test(origin);
  return list.includes("*") || list.includes(origin);
}

const corsForApi = cors({
  origin: (origin, c) => (originAllowed(origin, c.env.ALLOWED_ORIGINS) ? origin : null),
  allowMethods: ["GET", "POST", "PUT", "PATCH", "DELETE"],
  allowHeaders: ["Authorization", "Content-Type"],
  // Browsers cap this (Chromium: 2 hours); one preflight per route per 2 hours at most.
  maxAge: 7200,
});

/**
 * CORS for every REST route. WebSocket upgrades are skipped: browsers do not preflight them, and
 * the room's 101 response carries immutable headers.
 */
export const apiCors: MiddlewareHandler<AppEnv> = (c, next) =>
  c.req.header("upgrade") ? next() : corsForApi(c, next);
