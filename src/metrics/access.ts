import { createMiddleware } from "hono/factory";
import { bearerToken, requireGlobalAdmin, requireUser } from "../auth/middleware";
import type { AppEnv } from "../context";

/** Compares in time that does not depend on where the strings first differ. */
function sameSecret(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

/**
 * Who may read /metrics: a scraper with `Authorization: Bearer <METRICS_TOKEN>` (a long-lived
 * secret of its own, so a monitoring system holds no user's credentials), or a global admin's
 * token. Anyone else gets the usual 401 or 403.
 */
export const requireMetricsAccess = createMiddleware<AppEnv>(async (c, next) => {
  const token = bearerToken(c.req.header("authorization"));
  const secret = c.var.config.METRICS_TOKEN;
  if (token && secret && sameSecret(token, secret)) return next();
  await requireUser(c, async () => {
    await requireGlobalAdmin(c, next);
  });
});
