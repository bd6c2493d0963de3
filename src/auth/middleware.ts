import { createMiddleware } from "hono/factory";
import { accountStub } from "../account/account";
import type { AppEnv } from "../context";
import type { Bindings, Config } from "../env";
import { forbidden, unauthorized } from "../errors";
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
  const user = await accountStub(env, claims.userId).check(claims.userId, claims.sessionId);
  if (!user || user.tokenVersion !== claims.tokenVersion) throw unauthorized("Token is no longer valid");
  if (!user.isActive) throw unauthorized("Account is disabled");
  return { ...user, sessionId: claims.sessionId };
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
 * verified first, then the account check is started but not awaited, so that the route can ask
 * the room at the same time (`c.var.caller`, `alongside` in domain/messages.ts): the two
 * Durable Object calls overlap instead of following each other. What the caller gets is
 * unchanged: the response leaves only once the check has held — whatever the route did
 * meanwhile, a failed check answers the same 401 as `requireUser`, in place of the route's
 * response (a 422 included).
 */
export const requireReader = createMiddleware<AppEnv>(async (c, next) => {
  const token = bearerToken(c.req.header("authorization"));
  if (!token) throw unauthorized("Missing bearer token");
  if (isApiKey(token)) {
    const user = await apiKeyUser(c, token);
    c.set("caller", { claims: null, user: Promise.resolve(user) });
    return next();
  }
  const claims = await verifyToken(c.var.config, token);
  const user = accountHolds(c.env, claims);
  user.catch(() => {}); // awaited below, after the route; not an unhandled rejection meanwhile
  c.set("caller", { claims, user });
  await next();
  await user;
});

export const requireGlobalAdmin = createMiddleware<AppEnv>(async (c, next) => {
  if (!c.var.user.isAdmin) throw forbidden("Global admin only");
  await next();
});
