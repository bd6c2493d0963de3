import { z } from "@hono/zod-openapi";

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * A URL the service will send to (push endpoints, webhooks): https, or plain http to this machine
 * only (a local push service or receiver in development and tests; production workers cannot
 * reach loopback anyway).
 */
export const OutboundUrl = z
  .url()
  .max(2048)
  .refine((s) => {
    const u = URL.parse(s);
    return u !== null && (u.protocol === "https:" || (u.protocol === "http:" && LOOPBACK.has(u.hostname)));
  }, "Must be an https URL (plain http only to localhost)");
