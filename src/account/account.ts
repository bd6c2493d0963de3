import { DurableObject } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { type SessionUser, toSession } from "../auth/session";
import { withDb } from "../db/client";
import { users } from "../db/schema";
import { type Bindings, type Config, loadConfig } from "../env";
import { blockedBy, writeBlock } from "./block-store";
import { RoomLeases } from "./leases";
import { MinuteWindow } from "./minute-window";
import { Serial } from "./serial";
import {
  type DeviceInfo,
  liveSessionIds,
  openSession,
  type Rotation,
  revokeSessions,
  rotate,
} from "./session-store";

/**
 * How long a loaded account is trusted without a change notice. Every change the service makes
 * (password, deactivation, admin flag, deletion, sessions) is pushed here at once; this bound
 * only covers changes made behind the service's back, e.g. SQL run by an operator.
 */
const MAX_AGE_MS = 60_000;

type Loaded = { user: SessionUser | null; live: Set<string>; blocked: Set<number> };

/**
 * One user's account as every request needs it: the token version, the active and admin flags,
 * and which sessions still hold. One object per user keeps it in memory, so that checking a
 * token costs a call to an object near the worker instead of a PostgreSQL round trip; the
 * service's writes go to PostgreSQL first and then here, so a revocation takes effect on the
 * very next request. Session changes (login, refresh, revoke) run here, one at a time, which
 * serialises a user's refreshes: two tabs refreshing with one token cannot both rotate it.
 * Nothing is stored: an evicted object reloads from PostgreSQL, the system of record.
 */
export class Account extends DurableObject<Bindings> {
  private readonly config: Config;
  private state: Loaded | null = null;
  private loadedAt = 0;
  private gone = false;
  /** Bumped by every user change notice, so that a load that started before it cannot overwrite it. */
  private generation = 0;
  /** Loads and session changes, one at a time. */
  private readonly serial = new Serial();
  private readonly searches: MinuteWindow;
  private readonly blockChanges: MinuteWindow;
  /** The rooms answering this user's reads from a copy of `check` (leases.ts). */
  private readonly leases: RoomLeases;

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    this.config = loadConfig(env);
    this.leases = new RoomLeases(ctx.storage.kv);
    this.searches = new MinuteWindow(this.config.DIRECTORY_SEARCHES_PER_MINUTE);
    this.blockChanges = new MinuteWindow(this.config.BLOCK_CHANGES_PER_MINUTE);
  }

  /**
   * The user as it stands, or null if the account no longer exists or, when `sessionId` is
   * given, that session was revoked or expired.
   */
  async session(userId: number, sessionId?: string): Promise<SessionUser | null> {
    if (this.gone) return null;
    const state = await this.current(userId);
    if (sessionId !== undefined && !state.live.has(sessionId)) return null;
    return state.user;
  }

  /**
   * A request's token check and what its filters need, in one call: the user as `session`
   * answers it, with the users they blocked (history and threads hide those without asking again).
   */
  async check(userId: number, sessionId: string): Promise<SessionUser | null> {
    const user = await this.session(userId, sessionId);
    return user && { ...user, blocked: [...(this.state?.blocked ?? [])] };
  }

  /**
   * `check` for a room that keeps the answer (room/access/account-copies.ts): with a lease of
   * `ms` when the user is active (0: not to be kept). Every change below tells the room to drop
   * it before returning.
   */
  async lease(userId: number, sessionId: string, roomId: number) {
    if (!this.gone) await this.current(userId);
    // From here to the return nothing waits: the answer and its lease are one step, so a change
    // is either in the answer or finds the lease.
    const state = this.state;
    if (this.gone || !state?.user || !state.live.has(sessionId)) return null;
    const ms = state.user.isActive ? this.leases.grant(roomId, this.loadedAt + MAX_AGE_MS) : 0;
    return { user: { ...state.user, blocked: [...state.blocked] } satisfies SessionUser, ms };
  }

  /**
   * The service changed this user (or deleted it: null): later requests see the change at once,
   * rooms' copies of the check included (dropped before this returns).
   */
  async updated(userId: number, user: SessionUser | null) {
    this.generation++;
    this.gone = user === null;
    const { live = new Set<string>(), blocked = new Set<number>() } = this.state ?? {};
    this.state = { user: user && toSession(user), live, blocked };
    if (!live.size) this.loadedAt = 0;
    await this.endLeases(userId);
  }

  /** A login: a new session and its first refresh token (and sessions evicted beyond the limit). */
  openSession(userId: number, device: DeviceInfo) {
    return this.serial.run(async () => {
      // Not loaded here: a login does not need the account's state, and loading it now would
      // pin what an operator changes right after (e.g. `npm run admin`) for MAX_AGE_MS.
      const opened = await withDb(this.config, (db) => openSession(db, this.config, userId, device));
      this.state?.live.add(opened.issued.sessionId);
      for (const id of opened.evicted) this.state?.live.delete(id);
      if (opened.evicted.length) await this.endLeases(userId);
      return opened;
    });
  }

  /** One refresh (session-store.ts `rotate`); a detected reuse revokes the session here too. */
  refresh(userId: number, presented: string, device: DeviceInfo): Promise<Rotation> {
    return this.serial.run(async () => {
      const state = await this.loadNow(userId);
      const out = await withDb(this.config, (db) => rotate(db, this.config, presented, device));
      if (out.kind === "reused") {
        state.live.delete(out.sessionId);
        await this.endLeases(userId);
      }
      if ((out.kind === "rotated" || out.kind === "grace") && !state.live.has(out.sessionId))
        return { kind: "invalid" } as const;
      return out;
    });
  }

  /** Revokes sessions: `only` those ids, or every one but `except`. Returns the ids revoked. */
  revoke(userId: number, which: { only: string[] } | { except: string | null }, reason: string) {
    return this.serial.run(async () => {
      const state = await this.loadNow(userId);
      const ids = "only" in which ? which.only : [...state.live].filter((id) => id !== which.except);
      const revoked = await withDb(this.config, (db) => revokeSessions(db, userId, ids, reason));
      for (const id of revoked) state.live.delete(id);
      if (revoked.length) await this.endLeases(userId);
      return revoked;
    });
  }

  /** The users this one blocked (README, People), as the filters need them: from memory. */
  async blocked(userId: number): Promise<number[]> {
    return [...(await this.current(userId)).blocked];
  }

  /** Blocks or unblocks `otherId`; false when it already was so. */
  setBlock(userId: number, otherId: number, on: boolean) {
    return this.serial.run(async () => {
      const state = await this.loadNow(userId);
      const changed = await withDb(this.config, (db) => writeBlock(db, userId, otherId, on));
      if (on) state.blocked.add(otherId);
      else state.blocked.delete(otherId);
      // The copies carry the blocks too (a history page hides their authors).
      if (changed) await this.endLeases(userId);
      return changed;
    });
  }

  /** One directory search more: 0 when allowed, else the milliseconds until the next is. */
  async takeSearch(): Promise<number> {
    return this.searches.take();
  }

  /** One block or unblock more (each tells every room of the user): 0 when allowed, else the wait. */
  async takeBlockChange(): Promise<number> {
    return this.blockChanges.take();
  }

  /**
   * Every room holding a lease on this user's check drops its copy before the change returns
   * (leases.ts). Called in the step that made the change. `room:${id}` is room/stub.ts's name
   * (imported from there it would close a circle: the room imports this file).
   */
  private endLeases(userId: number) {
    return this.leases.end((roomId) => this.env.ROOMS.getByName(`room:${roomId}`).dropAccount(userId));
  }

  private async current(userId: number): Promise<Loaded> {
    if (this.state && Date.now() - this.loadedAt < MAX_AGE_MS) return this.state;
    return this.serial.run(() => this.loadNow(userId));
  }

  /** Inside `serial` only. Reloads when stale; a user notice during the load wins over it. */
  private async loadNow(userId: number): Promise<Loaded> {
    if (this.state && Date.now() - this.loadedAt < MAX_AGE_MS) return this.state;
    const started = this.generation;
    const [[row], live, blocked] = await withDb(this.config, (db) =>
      Promise.all([
        db
          .select({
            id: users.id,
            username: users.username,
            isAdmin: users.isAdmin,
            isActive: users.isActive,
            tokenVersion: users.tokenVersion,
          })
          .from(users)
          .where(eq(users.id, userId))
          .limit(1),
        liveSessionIds(db, userId),
        blockedBy(db, userId),
      ]),
    );
    const user = this.generation === started ? (row ?? null) : (this.state?.user ?? null);
    this.state = { user, live: new Set(live), blocked: new Set(blocked) };
    this.loadedAt = Date.now();
    return this.state;
  }
}

/** The account object of one user. */
export const accountStub = (env: Bindings, userId: number) => env.ACCOUNTS.getByName(`user:${userId}`);
