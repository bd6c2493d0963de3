import { accountStub } from "../../account/account";
import { holdingUser } from "../../auth/account-holds";
import type { SessionUser } from "../../auth/session";
import type { TokenClaims } from "../../auth/tokens";
import type { Bindings } from "../../env";
import type { SocketUser } from "../socket/identity";

/**
 * Who asks for a read: a caller the worker checked already (a bot's key), or a verified token
 * whose account check the room makes (`AccountCopies`).
 */
export type Reader = { checked: SocketUser } | { claims: TokenClaims };

/** A read's value, with the user the room checked (null when the worker did). */
export type ReadAs<T> = { value: T; user: SessionUser | null };

/** Copies kept at most; past it the expired go, then all (a copy is only an Account call saved). */
const MAX_COPIES = 10_000;

type Copy = { user: SessionUser; until: number };

/**
 * The account checks of this room's REST readers (a room, a history page, a thread), each kept
 * while the user's Account object leases it (account/leases.ts), so that a warm read is one
 * Durable Object call instead of two. The Account tells this room to drop a user's copies before
 * any change to their sessions or account returns, and waits out a lease it cannot drop, so the
 * next request after a logout, revocation, password change, deactivation, deletion or change of
 * global rights is refused or answered with the new rights exactly as before. A lease is counted
 * from before it was asked for, so it ends here before it ends there.
 */
export class AccountCopies {
  /** user → session → copy. */
  private readonly copies = new Map<number, Map<string, Copy>>();
  private count = 0;
  /**
   * Bumped by every drop: an answer asked for before a drop may be from before the change (its
   * drop can overtake it), so it answers its own request but is not kept.
   */
  private drops = 0;

  constructor(private readonly env: Bindings) {}

  /** Runs `work` as the reader, once their account check holds (a 401 otherwise, as the worker's). */
  async read<T>(roomId: number, reader: Reader, work: (who: SocketUser) => Promise<T>): Promise<ReadAs<T>> {
    if ("checked" in reader) return { value: await work(reader.checked), user: null };
    const user = await this.holds(roomId, reader.claims);
    const who = { user: { id: user.id, username: user.username }, isAdmin: user.isAdmin };
    return { value: await work({ ...who, sessionId: reader.claims.sessionId }), user };
  }

  /** The user's copies go (their Account object changed). */
  drop(userId: number) {
    this.drops++;
    this.count -= this.copies.get(userId)?.size ?? 0;
    this.copies.delete(userId);
  }

  private async holds(roomId: number, claims: TokenClaims): Promise<SessionUser> {
    const asked = Date.now();
    const copy = this.copies.get(claims.userId)?.get(claims.sessionId);
    if (copy && copy.until > asked && copy.user.tokenVersion === claims.tokenVersion) return copy.user;
    const drops = this.drops;
    const answer = await accountStub(this.env, claims.userId).lease(claims.userId, claims.sessionId, roomId);
    const user = holdingUser(answer?.user ?? null, claims);
    if (answer && answer.ms > 0 && drops === this.drops) this.keep(claims, user, asked + answer.ms);
    return user;
  }

  private keep(claims: TokenClaims, user: SessionUser, until: number) {
    if (this.count >= MAX_COPIES) this.sweep(Date.now());
    let ofUser = this.copies.get(claims.userId);
    if (!ofUser) {
      ofUser = new Map();
      this.copies.set(claims.userId, ofUser);
    }
    if (!ofUser.has(claims.sessionId)) this.count++;
    ofUser.set(claims.sessionId, { user, until });
  }

  private sweep(now: number) {
    for (const [userId, ofUser] of this.copies) {
      for (const [sessionId, copy] of ofUser) if (copy.until <= now) ofUser.delete(sessionId);
      if (!ofUser.size) this.copies.delete(userId);
    }
    this.count = 0;
    for (const ofUser of this.copies.values()) this.count += ofUser.size;
    if (this.count >= MAX_COPIES) {
      this.copies.clear();
      this.count = 0;
    }
  }
}
