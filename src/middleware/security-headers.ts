import type { MiddlewareHandler } from "hono";
import { secureHeaders } from "hono/secure-headers";

/**
 * Security headers on every response of the worker (the API, /docs, /openapi.json); the static
 * assets get the same ones from `public/_headers` (Workers static assets apply that file; the
 * `npm start` router does too). No page of this origin may be framed (`frame-ancestors 'none'`,
 * so the demo's login form cannot be overlaid), nothing is sniffed into another type, and no
 * URL (which may carry a room id) leaks to another site in a Referer.
 *
 * Scripts only from this origin: /docs loads its start-up code from /docs-init.js rather than an
 * inline script. Styles allow inline ones: Swagger UI sets style attributes from script.
 * WebSockets to this origin are `'self'` (CSP level 3). Pictures also from `blob:`: a file is
 * fetched with the token and shown through an object URL (the demo's attachments).
 */
const headers = secureHeaders({
  contentSecurityPolicy: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'", "'unsafe-inline'"],
    imgSrc: ["'self'", "data:", "blob:"],
    connectSrc: ["'self'"],
    objectSrc: ["'none'"],
    baseUri: ["'none'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
  },
  xFrameOptions: "DENY",
  referrerPolicy: "strict-origin-when-cross-origin",
  // A route that sets its own (file downloads: a sandboxing CSP) keeps it.
  overwrite: false,
});

/** WebSocket upgrades are skipped: their 101 comes from the room object with immutable headers. */
export const securityHeaders: MiddlewareHandler = (c, next) =>
  c.req.header("upgrade")?.toLowerCase() === "websocket" ? next() : headers(c, next);
