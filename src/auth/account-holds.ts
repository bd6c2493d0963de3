import { unauthorized } from "../errors";
import type { SessionUser } from "./session";
import type { TokenClaims } from "./tokens";

/**
 * The account check's rule, wherever its answer comes from (the user's Account object, or a
 * room's leased copy of it, room/access/account-copies.ts): the account exists, the token's
 * session holds (`user` is null otherwise), it carries the current token version, and the
 * account is active. The same 401s on every path.
 */
export function holdingUser(user: SessionUser | null, claims: TokenClaims): SessionUser {
  if (!user || user.tokenVersion !== claims.tokenVersion) throw unauthorized("Token is no longer valid");
  if (!user.isActive) throw unauthorized("Account is disabled");
  return { ...user, sessionId: claims.sessionId };
}
