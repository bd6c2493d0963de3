import { createMiddleware } from "hono/factory";
import { accountStub } from "../account/account";
import type { AppEnv } from "../context";
import type { Bindings, Config } from "../env";
import { forbidden, unauthorized } from "../errors";
import { isApiKey } from "./api-key";
import { apiKeyUser } from "./api-key-routes";
import type { SessionUser } from "./session";
import { verifyToken } from "./tokens";

/**
 * Resolves a token to a live user: the signature and claims must verify, the user must still
 * exist and be active, the token must carry the user's current `token_version` (a password
 * change bumps it, which revokes every older token), and its session (`sid`) must still hold
 * (logout and revocation end it). The account comes from the user's account object
 * (src/account/), not from a PostgreSQL query per request.
 */
export async function authenticate(env: Bindings, config: Config, token: string): Promise<SessionUser> {
  const claims = await verifyToken(config, token);
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

export const requireGlobalAdmin = createMiddleware<AppEnv>(async (c, next) => {
  if (!c.var.user.isAdmin) throw forbidden("Global admin only");
  await next();
});
