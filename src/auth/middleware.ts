import { createMiddleware } from "hono/factory";
import { accountStub } from "../account/account";
import type { AppEnv, Caller } from "../context";
import type { Bindings, Config } from "../env";
import { forbidden, unauthorized } from "../errors";
import { holdingUser } from "./account-holds";
import { isApiKey } from "./api-key";
import { apiKeyUser } from "./api-key-routes";
import type { SessionUser } from "./session";
import { type TokenClaims, verifyToken } from "./tokens";

/**
 * Resolves a token to a live user: the signature and claims must verify, the user must still
 * exist and be active, the token must carry the user's current `token_version` (a password
 * change bumps it, which revokes every older token), and its session (`sid`) must still hold
 * (logout and revocation end it). The account comes from the user's account object
 * (src/account/), not from a PostgreSQL query per request.
 */
export async function authenticate(env: Bindings, config: Config, token: string): Promise<SessionUser> {
  return accountHolds(env, await verifyToken(config, token));
}

/** The second half of `authenticate`: the verified token's account, session and version still hold. */
async function accountHolds(env: Bindings, claims: TokenClaims): Promise<SessionUser> {
  return holdingUser(await accountStub(env, claims.userId).check(claims.userId, claims.sessionId), claims);
}

export function bearerToken(header: string | undefined): string | undefined {
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1];
}

/** Requires `Authorization: Bearer <jwt or bot API key>`; sets `c.var.user`. */
export const requireUser = createMiddleware<AppEnv>(async (c, next) => {
  const token = bearerToken(c.req.header("authorization"));
  if (!token) throw unauthorized("Missing bearer token");
  c.set(
    "user",
    isApiKey(token) ? await apiKeyUser(c, token) : await authenticate(c.env, c.var.config, token),
  );
  await next();
});

/**
 * `requireUser` for a route that only reads (a room, a history page, a thread): the token is
 * verified here, and its account check is made by the room the route asks (`c.var.caller`;
 * `Reader`, room/access/account-copies.ts), from a copy the user's Account object leases it and
 * drops before any change returns — one Durable Object call per read instead of two. What the
 * caller gets is unchanged: a route that did not have the room check (a bad input, a refusal)
 * has it checked here before its response leaves, so a failed check answers the same 401 as
 * `requireUser` in place of the route's response (a 422 included).
 */
export const requireReader = createMiddleware<AppEnv>(async (c, next) => {
  const token = bearerToken(c.req.header("authorization"));
  if (!token) throw unauthorized("Missing bearer token");
  if (isApiKey(token)) {
    c.set("caller", { claims: null, user: await apiKeyUser(c, token) });
    return next();
  }
  const caller: Caller = { claims: await verifyToken(c.var.config, token), user: null };
  c.set("caller", caller);
  await next();
  if (!caller.user) await accountHolds(c.env, caller.claims as TokenClaims);
});

export const requireGlobalAdmin = createMiddleware<AppEnv>(async (c, next) => {
  if (!c.var.user.isAdmin) throw forbidden("Global admin only");
  await next();
});
