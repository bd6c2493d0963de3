import type { Context } from "hono";
import type { AppEnv } from "../context";

/**
 * The address a request came from, for the throttles (logins, password checks, signups).
 *
 * `TRUSTED_PROXY_HEADER` names the header that a proxy in front of the worker sets and that
 * clients cannot: `cf-connecting-ip` on Cloudflare (the default: the edge overwrites whatever a
 * client sent), e.g. `x-real-ip` or `x-forwarded-for` behind your own proxy (of a list, the last
 * entry is the one your proxy appended), or `none` when nothing is in front, as under `npm start`.
 * Any header not named there is ignored, so a client cannot choose its address by sending one.
 * Without the header, plain workerd reports the connection's peer as `request.cf.clientIp`
 * ("ip:port"); the port is dropped so one machine is one address.
 */
export function clientAddress(c: Context<AppEnv>): string {
  const name = c.var.config.TRUSTED_PROXY_HEADER;
  const forwarded = name === "none" ? undefined : c.req.header(name)?.split(",").at(-1)?.trim();
  return forwarded || connectionAddress(c.req.raw) || "unknown";
}

function connectionAddress(req: Request): string | undefined {
  const ip = (req.cf as { clientIp?: unknown } | undefined)?.clientIp;
  if (typeof ip !== "string" || ip === "") return undefined;
  // "127.0.0.1:5432" or "[::1]:5432" → without the port.
  const bracketed = ip.match(/^\[([^\]]+)\](?::\d+)?$/);
  if (bracketed?.[1]) return bracketed[1];
  return /^[^:]+:\d+$/.test(ip) ? ip.slice(0, ip.lastIndexOf(":")) : ip;
}
