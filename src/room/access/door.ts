import { accountStub } from "../../account/account";
import { blockedBy } from "../../account/block-store";
import { withDb } from "../../db/client";
import { roomMembers } from "../../db/schema";
import { type Membership, type RoomAccess, reader, roomAdmin, writer } from "../../domain/access-rules";
import { type Bindings, type Config, loadConfig } from "../../env";
import { notFound } from "../../errors";
import { inboxRoom, notifyUser } from "../../inbox/notify";
import type { ModerationRules } from "../moderation/rules";
import type { Actor, SocketUser } from "../socket/identity";
import type { Timeline } from "../timeline/timeline";
import type { Blocks } from "./blocks";
import { type Roster, readSnapshot } from "./roster";

/**
 * Who may come in, decided by the room itself. A fresh object reads its room from PostgreSQL once,
 * in one round trip (the row, members and bans for its roster, and the last seq its timeline
 * continues); from then on every access decision is made from the roster, which is told of every
 * change. Concurrent first requests share the read; no such room is a 404 and nothing is kept.
 */
export class Door {
  private loading: Promise<void> | null = null;
  private readonly config: Config;
  private readonly rules: ModerationRules;
  private readonly blocks: Blocks;

  constructor(
    private readonly timeline: Timeline,
    private readonly roster: Roster,
    private readonly env: Bindings,
    /** Called once the timeline exists (it starts the live reaction and thread copies). */
    private readonly onLoaded: () => void,
    /**
     * The moderation rules, read with the roster (and again once stale: the global list is not
     * pushed), and the members' blocks, read with the roster too (a member who joins brings theirs).
     */
    moderation: { rules: ModerationRules; blocks: Blocks },
  ) {
    this.config = loadConfig(env);
    this.rules = moderation.rules;
    this.blocks = moderation.blocks;
  }

  private ensureLoaded(roomId: number): Promise<void> {
    const warm = this.timeline.initialised && this.roster.loaded && this.blocks.loaded;
    if (warm && !this.rules.stale) return Promise.resolve();
    // A warm room answers without PostgreSQL: stale rules are refreshed when it can, kept when not.
    if (warm) {
      this.loading ??= this.rules.refresh(roomId).catch((err) => this.rules.keep(err));
      return this.loading.finally(() => {
        this.loading = null;
      });
    }
    this.loading ??= withDb(this.config, async (db) => {
      const snapshot = await readSnapshot(db, roomId);
      if (!snapshot) throw notFound("Room");
      if (this.rules.stale) await this.rules.reload(db, roomId);
      if (!this.roster.loaded) this.roster.fill(snapshot);
      if (!this.blocks.loaded) this.blocks.fill(snapshot.blocks);
      if (!this.timeline.initialised) this.timeline.initialise(roomId, snapshot.lastSeq);
      this.onLoaded();
    }).finally(() => {
      this.loading = null;
    });
    return this.loading;
  }

  /** Resolves once a load in flight is over, whatever its outcome (a notice must not race it). */
  async settled(): Promise<void> {
    if (this.loading) await this.loading.catch(() => {});
  }

  /** May read here, by the room's own roster. */
  async reader(roomId: number, who: SocketUser): Promise<RoomAccess> {
    await this.ensureLoaded(roomId);
    return reader(this.roster.room, this.roster.membership(who.user.id), who);
  }

  /** May write here; a non-member of a public room joins (in PostgreSQL, then in the roster). */
  async writer(roomId: number, who: SocketUser, join = true): Promise<RoomAccess> {
    await this.ensureLoaded(roomId);
    const { joins, ...access } = writer(this.roster.room, this.roster.membership(who.user.id), who, join);
    if (joins) {
      const blocked = await withDb(this.config, async (db) => {
        await db
          .insert(roomMembers)
          .values({ roomId, userId: who.user.id, role: "member" })
          .onConflictDoNothing();
        return blockedBy(db, who.user.id);
      });
      this.roster.setMember(who.user.id, "member");
      this.blocks.replace(who.user.id, blocked);
      // The user's channel hears of the join like of one through REST (not awaited: never in the way).
      const room = this.roster.room;
      if (room) void notifyUser(this.env, who.user.id, { type: "room.joined", room: inboxRoom(room) });
    }
    return access;
  }

  /** A member's role or ban changed (PostgreSQL first); a new member brings their blocks. */
  async memberChanged(userId: number, m: Membership) {
    await this.settled();
    if (m.role !== null && this.roster.membership(userId).role === null) {
      // From the user's Account object, which has them in memory.
      this.blocks.replace(userId, await accountStub(this.env, userId).blocked(userId));
    }
    if (!this.roster.loaded) return;
    this.roster.setMember(userId, m.role);
    this.roster.setBanned(userId, m.banned);
  }

  /** A connecting user's blocks, as the worker read them from their Account object (the freshest copy). */
  blocksOf(userId: number, blocked: readonly number[]) {
    this.blocks.replace(userId, blocked);
  }

  /** A user blocked (or unblocked) an author; after a load in flight, which may predate it. */
  async blocksChanged(viewerId: number, authorId: number, on: boolean) {
    await this.settled();
    this.blocks.set(viewerId, authorId, on);
  }

  /** May moderate here (the room's owner and admins, global admins). */
  async moderator(roomId: number, who: SocketUser): Promise<RoomAccess> {
    await this.ensureLoaded(roomId);
    return roomAdmin(this.roster.room, this.roster.membership(who.user.id), who);
  }

  /** The acting user with their current room role (from the roster: role changes apply at once). */
  actor(who: SocketUser): Actor {
    return { ...who, role: this.roster.membership(who.user.id).role };
  }
}
