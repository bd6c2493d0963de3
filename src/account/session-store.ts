import { and, desc, eq, gt, inArray, isNull, ne, notInArray, sql } from "drizzle-orm";
import { hashToken, newRefreshToken, parseRefreshToken, successorOf } from "../auth/refresh-tokens";
import type { Db } from "../db/client";
import { refreshTokens, sessions } from "../db/people-schema";
import type { Config } from "../env";

/**
 * The statements behind sessions and refresh tokens. Only the user's `Account` object runs them,
 * one at a time (src/account/account.ts), which is what makes rotation and the grace window safe
 * under parallel refreshes without row locks.
 */

/** Live sessions a user may have; the least recently used beyond it are revoked (`evicted`). */
export const MAX_SESSIONS_PER_USER = 50;
/** Retired tokens kept per session to recognise reuse; older ones are forgotten (then `invalid_grant`). */
const RETIRED_KEPT = 100;

export type DeviceInfo = { userAgent: string | null; address: string | null };
export type SessionConfig = Pick<
  Config,
  "SECRET_KEY" | "REFRESH_TOKEN_TTL_SECONDS" | "REFRESH_GRACE_SECONDS"
>;
export type Issued = { sessionId: string; refreshToken: string; issuedAt: number };
export type Rotation =
  | ({ kind: "rotated" } & Issued)
  | ({ kind: "grace" } & Issued)
  | { kind: "reused"; sessionId: string }
  | { kind: "invalid" };

const expiry = (c: SessionConfig, now: Date) => new Date(now.getTime() + c.REFRESH_TOKEN_TTL_SECONDS * 1000);
/** JWT times are whole seconds: the access token of a rotation is signed at the token's `issued_at`. */
const seconds = (d: Date) => Math.floor(d.getTime() / 1000);
const wholeSecond = (now: Date) => new Date(seconds(now) * 1000);

/** Sessions that still hold: not revoked, not expired. */
export async function liveSessionIds(db: Db, userId: number): Promise<string[]> {
  const rows = await db
    .select({ id: sessions.id })
    .from(sessions)
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), gt(sessions.expiresAt, sql`now()`)));
  return rows.map((r) => r.id);
}

export async function openSession(db: Db, c: SessionConfig, userId: number, device: DeviceInfo) {
  const now = wholeSecond(new Date());
  const sessionId = crypto.randomUUID();
  const refreshToken = newRefreshToken({ userId, sessionId });
  await db
    .insert(sessions)
    .values({ id: sessionId, userId, createdAt: now, lastUsedAt: now, expiresAt: expiry(c, now), ...device });
  await db
    .insert(refreshTokens)
    .values({ tokenHash: await hashToken(refreshToken), sessionId, issuedAt: now });
  const evicted = await evictBeyondLimit(db, userId, sessionId);
  return { issued: { sessionId, refreshToken, issuedAt: seconds(now) } satisfies Issued, evicted };
}

async function evictBeyondLimit(db: Db, userId: number, keep: string): Promise<string[]> {
  const live = db
    .select({ id: sessions.id })
    .from(sessions)
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt)))
    .orderBy(desc(sessions.lastUsedAt))
    .limit(MAX_SESSIONS_PER_USER);
  const rows = await db
    .update(sessions)
    .set({ revokedAt: new Date(), revokedReason: "evicted" })
    .where(
      and(
        eq(sessions.userId, userId),
        isNull(sessions.revokedAt),
        ne(sessions.id, keep),
        notInArray(sessions.id, live),
      ),
    )
    .returning({ id: sessions.id });
  return rows.map((r) => r.id);
}

/** Marks sessions revoked (those still live among `ids`); returns the ones it revoked. */
export async function revokeSessions(db: Db, userId: number, ids: string[], reason: string) {
  if (ids.length === 0) return [];
  const rows = await db
    .update(sessions)
    .set({ revokedAt: new Date(), revokedReason: reason })
    .where(and(eq(sessions.userId, userId), inArray(sessions.id, ids), isNull(sessions.revokedAt)))
    .returning({ id: sessions.id });
  return rows.map((r) => r.id);
}

/**
 * One refresh (RFC 6749 §6): the current token rotates to its successor; a token retired within
 * the grace window answers with the pair it was rotated to, if that is still current (two tabs
 * refreshing at once); any other retired token is reuse and revokes the session (RFC 9700 §4.14).
 */
export async function rotate(
  db: Db,
  c: SessionConfig,
  presented: string,
  device: DeviceInfo,
): Promise<Rotation> {
  const parts = parseRefreshToken(presented);
  if (!parts) return { kind: "invalid" };
  const [row] = await db
    .select({ token: refreshTokens, session: sessions })
    .from(refreshTokens)
    .innerJoin(sessions, eq(sessions.id, refreshTokens.sessionId))
    .where(eq(refreshTokens.tokenHash, await hashToken(presented)))
    .limit(1);
  const now = new Date();
  if (!row || row.session.id !== parts.sessionId || row.session.userId !== parts.userId)
    return { kind: "invalid" };
  if (row.session.revokedAt || row.session.expiresAt <= now) return { kind: "invalid" };
  const next = await successorOf(c, presented, parts);
  const nextHash = await hashToken(next);
  const { retiredAt } = row.token;
  if (retiredAt === null) return rotateCurrent(db, c, row.token.tokenHash, next, nextHash, parts, device);
  const inGrace = now.getTime() - retiredAt.getTime() <= c.REFRESH_GRACE_SECONDS * 1000;
  if (inGrace && row.token.successorHash === nextHash) {
    const [succ] = await db
      .select()
      .from(refreshTokens)
      .where(eq(refreshTokens.tokenHash, nextHash))
      .limit(1);
    if (succ && succ.retiredAt === null)
      return {
        kind: "grace",
        sessionId: parts.sessionId,
        refreshToken: next,
        issuedAt: seconds(succ.issuedAt),
      };
  }
  await revokeSessions(db, parts.userId, [parts.sessionId], "refresh_token_reused");
  return { kind: "reused", sessionId: parts.sessionId };
}

async function rotateCurrent(
  db: Db,
  c: SessionConfig,
  oldHash: string,
  next: string,
  nextHash: string,
  parts: { userId: number; sessionId: string },
  device: DeviceInfo,
): Promise<Rotation> {
  const now = wholeSecond(new Date());
  await db.transaction(async (tx) => {
    await tx
      .update(refreshTokens)
      .set({ retiredAt: now, successorHash: nextHash })
      .where(eq(refreshTokens.tokenHash, oldHash));
    await tx.insert(refreshTokens).values({ tokenHash: nextHash, sessionId: parts.sessionId, issuedAt: now });
    await tx
      .update(sessions)
      .set({ lastUsedAt: now, expiresAt: expiry(c, now), ...device })
      .where(eq(sessions.id, parts.sessionId));
    await forgetOldTokens(tx, parts.sessionId);
  });
  return { kind: "rotated", sessionId: parts.sessionId, refreshToken: next, issuedAt: seconds(now) };
}

/** Keeps the newest `RETIRED_KEPT` retired tokens of a session (bounded rows per session). */
async function forgetOldTokens(db: Pick<Db, "execute">, sessionId: string) {
  await db.execute(sql`
    delete from ${refreshTokens} where ${refreshTokens.sessionId} = ${sessionId}
      and ${refreshTokens.retiredAt} is not null
      and ${refreshTokens.tokenHash} not in (
        select ${refreshTokens.tokenHash} from ${refreshTokens}
        where ${refreshTokens.sessionId} = ${sessionId} and ${refreshTokens.retiredAt} is not null
        order by ${refreshTokens.issuedAt} desc limit ${RETIRED_KEPT})`);
}

/** The user's sessions that still hold, most recently used first. */
export async function listSessions(db: Db, userId: number) {
  return db
    .select()
    .from(sessions)
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), gt(sessions.expiresAt, sql`now()`)))
    .orderBy(desc(sessions.lastUsedAt))
    .limit(MAX_SESSIONS_PER_USER);
}
