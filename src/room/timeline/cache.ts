import { type CurrentText, type EventRow, toMessageEvent, toTimelineEvent } from "../../domain/event-rows";
import type { MessageEvent, TimelineEvent } from "../../protocol";
import { MESSAGE_COLUMNS, messageRows } from "./event-cursor";
import { type HistoryBody, PageMemo } from "./page-memo";

/** What the cache reads of its timeline (the `Timeline` itself; named here so neither file imports the other's type). */
type TimelineState = {
  readonly roomId: number;
  readonly oldestCached: number;
  rowsAfter(seq: number, limit?: number): EventRow[];
};

/**
 * What the room's recent-history cache can answer: a message's current text (edits and deletes
 * not yet in PostgreSQL), history pages, thread pages and replays. The cache is a suffix of the
 * timeline (everything from `oldestCached` on), so when it holds a message it also holds every
 * later change to it; a window it cannot answer whole is `undefined` and read from PostgreSQL.
 */
export class CachedEvents {
  /** REST history pages as last serialized, until the storage changes (`page-memo.ts`). */
  readonly pages = new PageMemo<HistoryBody>(() => this.changes());

  constructor(
    private readonly sql: Pick<SqlStorage, "exec">,
    private readonly timeline: TimelineState,
  ) {}

  /**
   * Rows changed in the room's storage so far (SQLite's `total_changes()`). Asked through the
   * events' statement path, so the turn's pending rows are written, and counted, first.
   */
  private changes(): number {
    return this.sql.exec<{ n: number }>("SELECT total_changes() AS n").one().n;
  }

  /**
   * A message's text as the cache knows it now: from the message row, or, when the message is
   * older than the cache, from its latest edit or delete (the cache is a suffix of the timeline,
   * so any later change would be in it too). Undefined when the cache knows nothing newer.
   */
  currentText(messageId: string): CurrentText | undefined {
    const row = this.sql
      .exec<Pick<EventRow, "kind" | "content" | "deleted_at"> & { changed_at: number | null }>(
        `SELECT kind, content, deleted_at, edited_at AS changed_at FROM events WHERE id = ? AND kind = 'message'
         UNION ALL
         SELECT * FROM (SELECT kind, content, NULL, created_at FROM events WHERE target_id = ? AND kind IN ('edit', 'delete') ORDER BY seq DESC LIMIT 1)`,
        messageId,
        messageId,
      )
      .toArray()[0];
    if (!row) return undefined;
    const deleted = row.kind === "delete" || row.deleted_at !== null;
    return {
      content: deleted ? null : row.content,
      editedAt: row.kind === "edit" ? row.changed_at : undefined,
    };
  }

  /** An event read from PostgreSQL, brought up to date with what the cache knows (edits, deletes not yet copied). */
  current<E extends TimelineEvent>(e: E): E {
    if (e.type !== "message" && e.type !== "message.edited") return e;
    const now = this.currentText(e.type === "message" ? e.id : e.message_id);
    if (!now) return e;
    if (e.type === "message.edited") return { ...e, content: now.content };
    if (now.content === null) return { ...e, content: null, deleted: true };
    const editedAt = now.editedAt == null ? {} : { edited_at: new Date(now.editedAt).toISOString() };
    return { ...e, content: now.content, ...editedAt };
  }

  /**
   * Messages (not edits or deletes) of a history window from the cache, oldest first, or
   * undefined when the cache cannot answer the whole window.
   */
  messagesPage(w: {
    limit: number;
    after?: number | undefined;
    before?: number | undefined;
  }): MessageEvent[] | undefined {
    if (w.after !== undefined) {
      if (w.after + 1 < this.timeline.oldestCached) return undefined;
      return messageRows(
        this.sql.exec(
          `SELECT ${MESSAGE_COLUMNS} FROM events WHERE kind = 'message' AND seq > ? ORDER BY seq LIMIT ?`,
          w.after,
          w.limit,
        ),
      ).map((row) => toMessageEvent(this.timeline.roomId, row));
    }
    const rows = messageRows(
      this.sql.exec(
        `SELECT ${MESSAGE_COLUMNS} FROM events WHERE kind = 'message' AND seq < ? ORDER BY seq DESC LIMIT ?`,
        w.before ?? Number.MAX_SAFE_INTEGER,
        w.limit,
      ),
    );
    // Fewer than asked: right only if the cache holds the timeline from its first event (a
    // full page needs no such check, so it costs no statement).
    if (rows.length < w.limit && this.timeline.oldestCached > 1) return undefined;
    return rows.reverse().map((row) => toMessageEvent(this.timeline.roomId, row));
  }

  /** Cached messages within a window's bounds (for merging into a page read from PostgreSQL). */
  cachedMessagesWithin(w: { after?: number | undefined; before?: number | undefined }): MessageEvent[] {
    return messageRows(
      this.sql.exec(
        `SELECT ${MESSAGE_COLUMNS} FROM events WHERE kind = 'message' AND seq > ? AND seq < ? ORDER BY seq`,
        w.after ?? 0,
        w.before ?? Number.MAX_SAFE_INTEGER,
      ),
    ).map((row) => toMessageEvent(this.timeline.roomId, row));
  }

  /** Up to `limit` events after `seq` from the cache, oldest first, as sent on the wire (current text). */
  eventsAfter(seq: number, limit?: number): TimelineEvent[] {
    return this.timeline
      .rowsAfter(seq, limit)
      .map((row) =>
        toTimelineEvent(
          this.timeline.roomId,
          row,
          row.target_id ? this.currentText(row.target_id) : undefined,
        ),
      );
  }

  /** Cached messages that reply to `rootId` within a seq window, oldest first. */
  cachedReplies(rootId: string, after: number, limit: number): EventRow[] {
    return this.sql
      .exec<EventRow>(
        "SELECT * FROM events WHERE kind = 'message' AND reply_to = ? AND seq > ? ORDER BY seq LIMIT ?",
        rootId,
        after,
        limit,
      )
      .toArray();
  }
}
