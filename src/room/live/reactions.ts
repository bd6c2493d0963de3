import { and, eq, inArray } from "drizzle-orm";
import { withDb } from "../../db/client";
import { messageReactions } from "../../db/schema";
import type { Config } from "../../env";
import { AppError } from "../../errors";
import type { ReactionTotal } from "../../protocol";
import { LiveCopy } from "./live-copy";

/** Distinct reaction keys one message may carry. */
export const MAX_REACTION_KEYS_PER_MESSAGE = 20;
/** Reactions one user may put on one message. */
export const MAX_REACTIONS_PER_USER_PER_MESSAGE = 10;

const NAME = /^:[a-z0-9_+-]{1,30}:$/;
const PICTOGRAPH = /\p{Extended_Pictographic}|\p{Regional_Indicator}|\p{Emoji_Presentation}/u;
const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/**
 * A reaction key is one emoji (exactly one grapheme cluster that is pictographic: "👍", "👍🏽",
 * "👨‍👩‍👧", "🇩🇪", "❤️") or a short `:name:` (lower-case letters, digits, `_`, `+`, `-`). Plain
 * letters, digits (which Unicode also counts as `\p{Emoji}`) and longer text are refused.
 */
/**
 * The longest emoji is ten code points (a couple with skin tones); marks other than the emoji
 * presentation selector and the keycap are not part of any emoji. Without this one "grapheme"
 * could be 👍 followed by forty combining marks.
 */
const plainEmoji = (key: string) =>
  [...key].length <= 10 && !/\p{M}/u.test(key.replace(/[\u{FE0F}\u{20E3}]/gu, ""));

export function checkReactionKey(key: string): string {
  const graphemes = [...segmenter.segment(key)];
  if (NAME.test(key) || (graphemes.length === 1 && PICTOGRAPH.test(key) && plainEmoji(key))) return key;
  throw new AppError(
    "invalid_reaction",
    422,
    "A reaction is one emoji or a short :name: (lower-case letters, digits, _ + -)",
  );
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS reactions (
    message_id TEXT NOT NULL,
    user_id INTEGER NOT NULL,
    key TEXT NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (message_id, user_id, key)
  );
  CREATE TABLE IF NOT EXISTS reactions_known (message_id TEXT PRIMARY KEY);
  CREATE TABLE IF NOT EXISTS reactions_hidden (
    message_id TEXT NOT NULL,
    user_id INTEGER NOT NULL,
    key TEXT NOT NULL,
    PRIMARY KEY (message_id, user_id, key)
  );
`;

/** A reaction row counts for `viewer` unless it is hidden from them (a shadow-banned reactor's). */
const SHOWN = `NOT EXISTS (SELECT 1 FROM reactions_hidden h WHERE h.message_id = reactions.message_id
  AND h.user_id = reactions.user_id AND h.key = reactions.key AND h.user_id <> ?)`;
/** A viewer id no user has: what everyone sees. */
export const EVERYONE = 0;

export type Toggle = {
  changed: boolean;
  totals: Array<{ key: string; count: number }>;
  /** The user's keys on the message after the change. */
  mine: string[];
};

/**
 * Who reacted how to the room's messages: the live copy, in the room's storage, changed only by
 * the room's own reaction events, one at a time, so totals are exact however many users react at
 * once. PostgreSQL (`message_reactions`, filled by the outbox) answers for messages this copy has
 * never seen: those sent before the room kept reactions (seq at or below `since`, recorded when
 * the room loads) and not reacted to since. For every other message, no row here means no reactions.
 *
 * A hidden reaction (a shadow-banned user's) is also in `reactions_hidden`: it counts in the
 * totals its author sees and in nobody else's (live events, REST pages, replays). PostgreSQL never
 * receives it (the copy skips hidden reaction rows), so its totals are everyone's.
 */
export class Reactions extends LiveCopy {
  constructor(
    sql: SqlStorage,
    private readonly config: Config,
  ) {
    super(sql, "reactions_meta", SCHEMA);
  }

  private known(messageId: string, seq: number): boolean {
    if (seq > this.since) return true;
    return (
      this.sql.exec("SELECT 1 FROM reactions_known WHERE message_id = ?", messageId).toArray().length > 0
    );
  }

  /** Makes the live copy hold a message's reactions (read once from PostgreSQL if it never did). */
  load(roomId: number, messageId: string, seq: number): Promise<void> {
    return this.adopt(roomId, [{ id: messageId, seq }]);
  }

  /**
   * Reads the reactions of the messages this copy never saw from PostgreSQL, in one query, and
   * keeps them: the next page of a warm room needs no database round trip.
   */
  private async adopt(roomId: number, page: Array<{ id: string; seq: number }>): Promise<void> {
    const unknown = page.filter((m) => !this.known(m.id, m.seq));
    if (unknown.length === 0) return;
    const ids = unknown.map((m) => m.id);
    const stored = await withDb(this.config, (db) =>
      db
        .select({
          messageId: messageReactions.messageId,
          userId: messageReactions.userId,
          key: messageReactions.key,
        })
        .from(messageReactions)
        .where(and(eq(messageReactions.roomId, roomId), inArray(messageReactions.messageId, ids)))
        .orderBy(messageReactions.createdAt),
    );
    for (const m of unknown) {
      // Another change may have loaded it meanwhile: that copy is newer than this read.
      if (this.known(m.id, m.seq)) continue;
      for (const r of stored) {
        if (r.messageId !== m.id) continue;
        this.sql.exec(
          "INSERT OR IGNORE INTO reactions (message_id, user_id, key, seq) VALUES (?, ?, ?, 0)",
          m.id,
          r.userId,
          r.key,
        );
      }
      this.sql.exec("INSERT OR IGNORE INTO reactions_known (message_id) VALUES (?)", m.id);
    }
  }

  /**
   * Adds or removes one reaction (the message must be loaded); refuses what would pass a limit.
   * `hidden`: added while the user is shadow-banned (counted for them alone). Totals are as the
   * user sees them when `hidden`, else as everyone does.
   */
  toggle(messageId: string, userId: number, key: string, on: boolean, seq: number, hidden = false): Toggle {
    const viewer = hidden ? userId : EVERYONE;
    const has =
      this.sql
        .exec(
          "SELECT 1 FROM reactions WHERE message_id = ? AND user_id = ? AND key = ?",
          messageId,
          userId,
          key,
        )
        .toArray().length > 0;
    const changed = has !== on;
    if (changed && on) {
      this.checkRoom(messageId, userId, key);
      this.sql.exec(
        "INSERT INTO reactions (message_id, user_id, key, seq) VALUES (?, ?, ?, ?)",
        messageId,
        userId,
        key,
        seq,
      );
      if (hidden) {
        const row = "INSERT INTO reactions_hidden (message_id, user_id, key) VALUES (?, ?, ?)";
        this.sql.exec(row, messageId, userId, key);
      }
    } else if (changed) {
      for (const table of ["reactions", "reactions_hidden"]) {
        this.sql.exec(
          `DELETE FROM ${table} WHERE message_id = ? AND user_id = ? AND key = ?`,
          messageId,
          userId,
          key,
        );
      }
    }
    return { changed, totals: this.totals(messageId, viewer), mine: this.mine(messageId, userId) };
  }

  /** Refuses a new reaction past the per-user or per-message limit. */
  private checkRoom(messageId: string, userId: number, key: string) {
    if (this.mine(messageId, userId).length >= MAX_REACTIONS_PER_USER_PER_MESSAGE) {
      throw new AppError(
        "too_many_reactions",
        422,
        `At most ${MAX_REACTIONS_PER_USER_PER_MESSAGE} reactions per user on one message`,
      );
    }
    const totals = this.totals(messageId, userId);
    if (!totals.some((t) => t.key === key) && totals.length >= MAX_REACTION_KEYS_PER_MESSAGE) {
      throw new AppError(
        "too_many_reactions",
        422,
        `At most ${MAX_REACTION_KEYS_PER_MESSAGE} different reactions on one message`,
      );
    }
  }

  /** Totals per key as `viewer` sees them, the first reacted-with first. */
  totals(messageId: string, viewer: number): Array<{ key: string; count: number }> {
    return this.sql
      .exec<{ key: string; count: number }>(
        `SELECT key, count(*) AS count FROM reactions WHERE message_id = ? AND ${SHOWN}
         GROUP BY key ORDER BY min(seq), key`,
        messageId,
        viewer,
      )
      .toArray();
  }

  private mine(messageId: string, userId: number): string[] {
    return this.sql
      .exec<{ key: string }>(
        "SELECT key FROM reactions WHERE message_id = ? AND user_id = ? ORDER BY seq",
        messageId,
        userId,
      )
      .toArray()
      .map((r) => r.key);
  }

  /**
   * Totals for a page of messages as `viewer` sees them: from the live copy where it holds the
   * message, else from PostgreSQL (one query for the page).
   */
  async forPage(
    roomId: number,
    page: Array<{ id: string; seq: number }>,
    viewerId: number,
  ): Promise<Map<string, ReactionTotal[]>> {
    await this.adopt(roomId, page);
    // One query for the whole page (not one per message).
    const out = new Map<string, ReactionTotal[]>(page.map((m) => [m.id, []]));
    const rows = this.sql
      .exec<{ message_id: string; key: string; count: number; me: number }>(
        `SELECT message_id, key, count(*) AS count, max(user_id = ?) AS me FROM reactions
         WHERE message_id IN (SELECT value FROM json_each(?)) AND ${SHOWN}
         GROUP BY message_id, key ORDER BY message_id, min(seq), key`,
        viewerId,
        JSON.stringify(page.map((m) => m.id)),
        viewerId,
      )
      .toArray();
    for (const r of rows) out.get(r.message_id)?.push({ key: r.key, count: r.count, me: r.me === 1 });
    return out;
  }

  /** A deleted account's reactions go (PostgreSQL drops them with the user). */
  forgetUser(userId: number) {
    this.sql.exec("DELETE FROM reactions WHERE user_id = ?", userId);
    this.sql.exec("DELETE FROM reactions_hidden WHERE user_id = ?", userId);
  }
}
