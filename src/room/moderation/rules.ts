import { type Db, withDb } from "../../db/client";
import { isModerator } from "../../domain/access-rules";
import { NO_RULES, type RoomRules, readRoomRules } from "../../domain/moderation/rules";
import type { Config } from "../../env";
import { AppError } from "../../errors";
import { FilterSet } from "../../moderation/filter-set";
import { GLOBAL_RULES_MAX_AGE_MS } from "../../moderation/rule-holders";
import type { Actor } from "../socket/identity";

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS moderation_rules (id INTEGER PRIMARY KEY CHECK (id = 1), json TEXT NOT NULL, loaded_at INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS slow_mode (user_id INTEGER PRIMARY KEY, last_at INTEGER NOT NULL);
`;

export { GLOBAL_RULES_MAX_AGE_MS };

/** What a send becomes once the rules let it through. */
export type Admitted = {
  content: string;
  /** The filters that masked it: the stored text is not what was sent, and the sender is told. */
  masked: number[];
  /** The filters that flagged it: stored as sent, and a report is queued (by the outbox's copy). */
  flagged: number[];
  /** Sequenced while the author is shadow-banned: shown to the author only. */
  shadow: boolean;
};

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The moderation rules the room enforces when it sequences, for sockets and REST alike: mutes,
 * slow mode, filters, shadow-bans. PostgreSQL holds them (domain/moderation); the room keeps a
 * copy in its storage (so a woken room has it without a query) and reads it again when told of a
 * change, before the change's request returns: a rule applies to open sockets from the next send.
 * A change to the global filter list is pushed to the rooms registered as holding a copy young
 * enough to be used (moderation/rule-holders.ts); an older copy is re-read before its next use
 * (by the door, the alarm and every send: `RoomModeration.fresh`).
 */
export class ModerationRules {
  private rules: RoomRules = NO_RULES;
  private filters = new FilterSet([]);
  private mutes = new Map<number, number>();
  private shadow = new Set<number>();
  private loadedAt = 0;

  constructor(
    private readonly sql: SqlStorage,
    private readonly config: Config,
    /** Registers the room as holding the global list, before each read (moderation/rule-holders.ts). */
    private readonly announce: (roomId: number) => Promise<void> = async () => {},
  ) {
    this.load();
  }

  private load() {
    this.sql.exec(SCHEMA);
    const row = this.sql
      .exec<{ json: string; loaded_at: number }>("SELECT json, loaded_at FROM moderation_rules")
      .toArray()[0];
    this.apply(row ? (JSON.parse(row.json) as RoomRules) : NO_RULES, row?.loaded_at ?? 0);
  }

  /** After the storage was wiped (room deleted): no rules, to be read again. */
  reset() {
    this.load();
    this.sql.exec("DELETE FROM moderation_rules");
    this.sql.exec("DELETE FROM slow_mode");
    this.apply(NO_RULES, 0);
  }

  get loaded(): boolean {
    return this.loadedAt > 0;
  }

  get stale(): boolean {
    return Date.now() - this.loadedAt > GLOBAL_RULES_MAX_AGE_MS;
  }

  /** Reads the rules from PostgreSQL and keeps them. */
  async refresh(roomId: number) {
    await withDb(this.config, (db) => this.reload(db, roomId));
  }

  /**
   * Registers, then reads: a change to the global list committed after the registration is
   * pushed to this room; one committed before it is in what this read sees. The copy's age
   * counts from before the registration, so it is stale before the registry forgets the room.
   */
  async reload(db: Db, roomId: number) {
    const started = Date.now();
    await this.announce(roomId);
    this.fill(await readRoomRules(db, roomId), started);
  }

  /** PostgreSQL could not be read: keep the rules as they are, and try again in a few seconds. */
  keep(err: unknown) {
    console.warn("moderation rules kept: PostgreSQL unreadable", err);
    this.loadedAt = Math.max(this.loadedAt, Date.now() - GLOBAL_RULES_MAX_AGE_MS + 5000);
  }

  fill(rules: RoomRules, now = Date.now()) {
    this.sql.exec(
      "INSERT OR REPLACE INTO moderation_rules (id, json, loaded_at) VALUES (1, ?, ?)",
      JSON.stringify(rules),
      now,
    );
    this.apply(rules, now);
  }

  private apply(rules: RoomRules, loadedAt: number) {
    this.rules = rules;
    this.filters = new FilterSet(rules.filters);
    this.mutes = new Map(rules.mutes);
    this.shadow = new Set(rules.shadowBanned);
    this.loadedAt = loadedAt;
  }

  isShadowBanned(userId: number): boolean {
    return this.shadow.has(userId);
  }

  /** Refuses a muted user's write (`muted`, 403, naming until when). */
  requireVoice(userId: number) {
    const until = this.mutes.get(userId);
    const now = Date.now();
    if (until === undefined || until <= now) return;
    const err = new AppError("muted", 403, `You are muted in this room until ${iso(until)}`, {
      until: iso(until),
    });
    throw Object.assign(err, { retryAfterMs: until - now });
  }

  /** Slow mode: one message per user per N seconds; the room's admins and global admins are exempt. */
  private requirePace(who: Actor, now: number) {
    const seconds = this.rules.slowModeSeconds;
    if (seconds <= 0 || isModerator(who)) return;
    const last = this.sql
      .exec<{ last_at: number }>("SELECT last_at FROM slow_mode WHERE user_id = ?", who.user.id)
      .toArray()[0]?.last_at;
    const wait = last === undefined ? 0 : last + seconds * 1000 - now;
    if (wait > 0) {
      const err = new AppError(
        "slow_mode",
        429,
        `Slow mode: one message every ${seconds} s; wait ${Math.ceil(wait / 1000)} s`,
        {
          seconds,
          retry_at: iso(now + wait),
        },
      );
      throw Object.assign(err, { retryAfterMs: wait });
    }
  }

  /** The rules for a new message, in order: mute, slow mode, filters (block, mask, flag). */
  admit(who: Actor, content: string): Admitted {
    const now = Date.now();
    this.requireVoice(who.user.id);
    this.requirePace(who, now);
    const admitted = this.filter(content);
    return { ...admitted, shadow: this.isShadowBanned(who.user.id) };
  }

  /** Filters alone (edits go through them too: a clean send must not become a bad edit). */
  filter(content: string): Omit<Admitted, "shadow"> {
    const v = this.filters.judge(content);
    if (v.action === "block") {
      const scope = v.rule.room_id === null ? "global" : "room";
      throw new AppError("message_blocked", 422, `Refused by the ${scope} filter #${v.rule.id}`, {
        filter_id: v.rule.id,
        scope,
      });
    }
    const flagged = v.flagged.map((r) => r.id);
    if (v.action === "mask") return { content: v.text, masked: v.rules.map((r) => r.id), flagged };
    return { content, masked: [], flagged };
  }

  /** A message of this user was sequenced: slow mode counts from now. */
  sent(userId: number) {
    if (this.rules.slowModeSeconds > 0) {
      this.sql.exec("INSERT OR REPLACE INTO slow_mode (user_id, last_at) VALUES (?, ?)", userId, Date.now());
    }
  }
}
