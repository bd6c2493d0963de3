import { and, asc, eq, gt, inArray, isNotNull } from "drizzle-orm";
import { type Db, withDb } from "../../db/client";
import { messages, users } from "../../db/schema";
import { type EventRow, fromPostgres } from "../../domain/event-rows";
import type { Config } from "../../env";
import { AppError } from "../../errors";
import type { ParentPreview } from "../../protocol";
import { LiveCopy } from "./live-copy";

/** How much of the parent a reply shows. */
export const PREVIEW_CHARS = 100;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS threads (
    root_id TEXT PRIMARY KEY,
    reply_count INTEGER NOT NULL,
    last_reply_at INTEGER
  );
  CREATE TABLE IF NOT EXISTS thread_hidden_replies (
    root_id TEXT NOT NULL,
    user_id INTEGER NOT NULL,
    reply_count INTEGER NOT NULL,
    last_reply_at INTEGER,
    PRIMARY KEY (root_id, user_id)
  );
`;

export type ThreadCounters = { reply_count: number; last_reply_at: number | null };

/** The parent's first characters, cut on a code point (never half a surrogate pair). */
export function previewOf(parent: EventRow): ParentPreview {
  const known = parent.user_id !== null && parent.user_id > 0;
  const text = parent.deleted_at === null ? parent.content : null;
  const chars = text === null ? null : Array.from(text);
  return {
    id: parent.id,
    user_id: known ? parent.user_id : null,
    username: known ? parent.username : null,
    excerpt:
      chars === null
        ? null
        : chars.length > PREVIEW_CHARS
          ? `${chars.slice(0, PREVIEW_CHARS).join("")}…`
          : text,
    deleted: text === null,
  };
}

/**
 * The counters of the room's threads (replies per root, time of the last), the live copy in the
 * room's storage, changed by the room's own `thread` events. As with reactions, PostgreSQL
 * (`messages.reply_count`) answers for roots this copy has never seen that are older than its
 * first use.
 *
 * `threads` counts the replies everyone sees. A hidden reply (a shadow-banned author's) counts in
 * `thread_hidden_replies` for its author alone: every other reader's count leaves it out (live, on
 * resume, in REST pages), and its author sees the public count plus their own (`forViewer`).
 */
export class Threads extends LiveCopy {
  /**
   * Whether any reply here was ever hidden (undefined: not read yet). Without one, a page's
   * counters are everyone's and `forViewer` needs no statement; only `count` adds such a row.
   */
  private anyHidden: boolean | undefined;

  constructor(sql: SqlStorage) {
    super(sql, "threads_meta", SCHEMA);
  }

  override reset() {
    super.reset();
    this.anyHidden = undefined;
  }

  private get hiddenReplies(): boolean {
    this.anyHidden ??= this.sql.exec("SELECT 1 FROM thread_hidden_replies LIMIT 1").toArray().length > 0;
    return this.anyHidden;
  }

  /** The counters if the live copy can answer (else undefined: ask PostgreSQL). */
  local(rootId: string, seq: number): ThreadCounters | undefined {
    const row = this.sql
      .exec<ThreadCounters>("SELECT reply_count, last_reply_at FROM threads WHERE root_id = ?", rootId)
      .toArray()[0];
    if (row) return row;
    return seq > this.since ? { reply_count: 0, last_reply_at: null } : undefined;
  }

  /** Makes the live copy hold a root's counters, from what PostgreSQL had of it (`root` as read there). */
  adopt(root: EventRow) {
    if (this.local(root.id, root.seq)) return;
    this.sql.exec(
      "INSERT OR IGNORE INTO threads (root_id, reply_count, last_reply_at) VALUES (?, ?, ?)",
      root.id,
      root.reply_count ?? 0,
      root.last_reply_at ?? null,
    );
  }

  /** `local` for a whole page in one query. */
  localMany(page: Array<{ id: string; seq: number }>): Map<string, ThreadCounters | undefined> {
    const rows = this.sql
      .exec<ThreadCounters & { root_id: string }>(
        "SELECT root_id, reply_count, last_reply_at FROM threads WHERE root_id IN (SELECT value FROM json_each(?))",
        JSON.stringify(page.map((m) => m.id)),
      )
      .toArray();
    const found = new Map(
      rows.map((r) => [r.root_id, { reply_count: r.reply_count, last_reply_at: r.last_reply_at }]),
    );
    const since = this.since;
    return new Map(
      page.map((m) => [
        m.id,
        found.get(m.id) ?? (m.seq > since ? { reply_count: 0, last_reply_at: null } : undefined),
      ]),
    );
  }

  /** Keeps counters read from PostgreSQL for a message this copy never saw (a newer local row wins). */
  remember(rootId: string, c: ThreadCounters) {
    this.sql.exec(
      "INSERT OR IGNORE INTO threads (root_id, reply_count, last_reply_at) VALUES (?, ?, ?)",
      rootId,
      c.reply_count,
      c.last_reply_at,
    );
  }

  /**
   * Counts one more reply under a root (adopted before); returns its counters after, as the
   * reply's author sees them. `hiddenFor`: the reply is hidden, counted for that author only.
   */
  count(rootId: string, at: number, hiddenFor?: number): ThreadCounters {
    if (hiddenFor === undefined) {
      return this.sql
        .exec<ThreadCounters>(
          `INSERT INTO threads (root_id, reply_count, last_reply_at) VALUES (?, 1, ?)
           ON CONFLICT (root_id) DO UPDATE SET reply_count = reply_count + 1, last_reply_at = excluded.last_reply_at
           RETURNING reply_count, last_reply_at`,
          rootId,
          at,
        )
        .one();
    }
    this.sql.exec(
      `INSERT INTO thread_hidden_replies (root_id, user_id, reply_count, last_reply_at) VALUES (?, ?, 1, ?)
       ON CONFLICT (root_id, user_id) DO UPDATE SET reply_count = reply_count + 1, last_reply_at = excluded.last_reply_at`,
      rootId,
      hiddenFor,
      at,
    );
    this.anyHidden = true;
    const shown = this.local(rootId, Number.MAX_SAFE_INTEGER) ?? { reply_count: 0, last_reply_at: null };
    return this.forViewer(new Map([[rootId, shown]]), hiddenFor).get(rootId) ?? shown;
  }

  /**
   * The counters of a page of messages as `viewerId` sees them: the live copy for what it holds,
   * PostgreSQL (one query) for older roots it never saw, plus the viewer's own hidden replies.
   */
  async countersFor(
    config: Config,
    roomId: number,
    page: Array<{ id: string; seq: number }>,
    viewerId: number,
  ): Promise<Map<string, ThreadCounters | undefined>> {
    const counters = this.localMany(page);
    const unknown = page.filter((m) => counters.get(m.id) === undefined).map((m) => m.id);
    if (unknown.length > 0) {
      const rows = await withDb(config, (db) =>
        db
          .select({ id: messages.id, reply_count: messages.replyCount, last_reply_at: messages.lastReplyAt })
          .from(messages)
          .where(and(eq(messages.roomId, roomId), inArray(messages.id, unknown))),
      );
      for (const r of rows) {
        const c = { reply_count: r.reply_count, last_reply_at: r.last_reply_at?.getTime() ?? null };
        // Kept, so the next page of a warm room asks PostgreSQL nothing (a newer local count wins).
        this.remember(r.id, c);
        counters.set(r.id, this.local(r.id, Number.MAX_SAFE_INTEGER) ?? c);
      }
    }
    return this.forViewer(counters, viewerId);
  }

  /** Public counters plus `viewerId`'s own hidden replies (they alone see those counted). */
  forViewer<C extends ThreadCounters | undefined>(
    counters: Map<string, C>,
    viewerId: number,
  ): Map<string, C | ThreadCounters> {
    if (!this.hiddenReplies) return new Map<string, C | ThreadCounters>(counters);
    const own = this.sql
      .exec<ThreadCounters & { root_id: string }>(
        `SELECT root_id, reply_count, last_reply_at FROM thread_hidden_replies
         WHERE user_id = ? AND root_id IN (SELECT value FROM json_each(?))`,
        viewerId,
        JSON.stringify([...counters.keys()]),
      )
      .toArray();
    const out = new Map<string, C | ThreadCounters>(counters);
    for (const o of own) {
      const c = counters.get(o.root_id) ?? { reply_count: 0, last_reply_at: null };
      const last = Math.max(c.last_reply_at ?? 0, o.last_reply_at ?? 0);
      out.set(o.root_id, { reply_count: c.reply_count + o.reply_count, last_reply_at: last || null });
    }
    return out;
  }
}

/** Replies under a root from PostgreSQL, oldest first, after a seq. */
export async function readReplies(
  db: Db,
  roomId: number,
  rootId: string,
  after: number,
  limit: number,
): Promise<EventRow[]> {
  const rows = await db
    .select({ m: messages, username: users.username })
    .from(messages)
    .leftJoin(users, eq(users.id, messages.userId))
    .where(
      and(
        eq(messages.roomId, roomId),
        eq(messages.replyTo, rootId),
        eq(messages.kind, "message"),
        gt(messages.seq, after),
      ),
    )
    .orderBy(asc(messages.seq))
    .limit(limit);
  return rows.map(({ m, username }) => fromPostgres(m, username));
}

/** Of these message ids, the ones PostgreSQL holds as deleted (parents of replies older than the cache). */
export async function deletedAmong(config: Config, roomId: number, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await withDb(config, (db) =>
    db
      .select({ id: messages.id })
      .from(messages)
      .where(and(eq(messages.roomId, roomId), inArray(messages.id, ids), isNotNull(messages.deletedAt))),
  );
  return new Set(rows.map((r) => r.id));
}

/**
 * The one answer for a `reply_to` that is not a message of this room, whether it exists in
 * another room or nowhere, and whether or not it reached PostgreSQL yet: a sender must not learn
 * which message ids exist in rooms they may not read.
 */
export const missingParent = () =>
  new AppError("reply_parent_not_found", 404, "The message replied to is not in this room");
