import { accountStub } from "../account/account";
import { type DeviceInfo, type Issued, listSessions } from "../account/session-store";
import { parseRefreshToken } from "../auth/refresh-tokens";
import { issueAccessToken } from "../auth/tokens";
import type { Scope, UserScope } from "../context";
import type { UserRow } from "../db/schema";
import { AppError, notFound } from "../errors";
import { closeSessionSockets } from "./session-sockets";

/**
 * Sessions as REST sees them (README, Sessions): a login opens one, a refresh rotates its
 * refresh token, logout and revocation end it. The user's `Account` object does the work, one
 * change at a time; this module turns its answers into token pairs and refusals, and closes the
 * sockets of sessions that end.
 */

export type TokenPair = Awaited<ReturnType<typeof issueAccessToken>> & {
  refresh_token: string;
  refresh_expires_in: number;
  session_id: string;
};

/** Every refusal of a refresh: RFC 6749's `invalid_grant` (the message says which case). */
export const invalidGrant = (message: string) => new AppError("invalid_grant", 401, message);

async function pairOf(
  s: Scope,
  user: Pick<UserRow, "id" | "tokenVersion">,
  issued: Issued,
): Promise<TokenPair> {
  const claims = { userId: user.id, tokenVersion: user.tokenVersion, sessionId: issued.sessionId };
  return {
    ...(await issueAccessToken(s.config, claims, issued.issuedAt)),
    refresh_token: issued.refreshToken,
    refresh_expires_in: s.config.REFRESH_TOKEN_TTL_SECONDS,
    session_id: issued.sessionId,
  };
}

/** A login: a new session for this device. Sessions beyond the per-user limit end (least recently used). */
export async function signIn(s: Scope, user: UserRow, device: DeviceInfo): Promise<TokenPair> {
  const { issued, evicted } = await accountStub(s.env, user.id).openSession(user.id, device);
  await closeSessionSockets(s, user.id, evicted);
  return pairOf(s, user, issued);
}

/**
 * Rotates a refresh token into a new pair. A token retired moments ago (the grace window) gets
 * the same pair its first use got; any other retired token ends its session (reuse detection).
 */
export async function refresh(s: Scope, presented: string, device: DeviceInfo): Promise<TokenPair> {
  const parts = parseRefreshToken(presented);
  if (!parts) throw invalidGrant("Unknown refresh token");
  const account = accountStub(s.env, parts.userId);
  const out = await account.refresh(parts.userId, presented, device);
  if (out.kind === "reused") {
    await closeSessionSockets(s, parts.userId, [out.sessionId]);
    throw invalidGrant("This refresh token was already used; the session is revoked");
  }
  if (out.kind === "invalid") throw invalidGrant("Unknown, expired or revoked refresh token");
  const user = await account.session(parts.userId, out.sessionId);
  if (!user?.isActive) throw invalidGrant("The account is disabled or gone");
  return pairOf(s, { id: user.id, tokenVersion: user.tokenVersion }, out);
}

/** Ends sessions of the caller: one by id, or every one but the current (password change). */
export async function endSessions(
  s: UserScope,
  which: { only: string[] } | { except: string | null },
  reason: string,
  /** The sockets' close reason (default `session revoked`). */
  closeReason?: string,
): Promise<string[]> {
  const revoked = await accountStub(s.env, s.user.id).revoke(s.user.id, which, reason);
  await closeSessionSockets(s, s.user.id, revoked, closeReason);
  return revoked;
}

export async function revokeSession(s: UserScope, sessionId: string) {
  const [revoked] = await endSessions(s, { only: [sessionId] }, "revoked");
  if (!revoked) throw notFound("Session");
}

export async function logout(s: UserScope) {
  if (!s.user.sessionId) throw new AppError("no_session", 400, "This credential is not a session's");
  await endSessions(s, { only: [s.user.sessionId] }, "logout");
}

export async function mySessions(s: UserScope) {
  const rows = await listSessions(s.db, s.user.id);
  return rows.map((r) => ({
    id: r.id,
    created_at: r.createdAt.toISOString(),
    last_used_at: r.lastUsedAt.toISOString(),
    expires_at: r.expiresAt.toISOString(),
    user_agent: r.userAgent,
    address: r.address,
    current: r.id === s.user.sessionId,
  }));
}
