import { monotonicFactory } from "ulidx";
import {
  type CurrentText,
  type EventRow,
  toDeleteEvent,
  toEditEvent,
  toMessageEvent,
  toTimelineEvent,
} from "./events";
import type { DeleteEvent, EditEvent, MessageEvent, TimelineEvent, UserRef } from "./protocol";

const ulid = monotonicFactory();

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    target_id TEXT,
    user_id INTEGER NOT NULL,
    username TEXT NOT NULL,
    content TEXT,
    client_id TEXT,
    created_at INTEGER NOT NULL,
    edited_at INTEGER,
    deleted_at INTEGER
  );
  CREATE UNIQUE INDEX IF NOT EXISTS events_client ON events (user_id, client_id) WHERE client_id IS NOT NULL;
  CREATE INDEX IF NOT EXISTS events_target ON events (target_id) WHERE target_id IS NOT NULL;
  CREATE TABLE IF NOT EXISTS read_markers (
    user_id INTEGER PRIMARY KEY,
    seq INTEGER NOT NULL,
    copied_seq INTEGER NOT NULL DEFAULT 0
  );
`;

export type ReadMarker = { user_id: number; seq: number };

/**
 * The room's timeline in the Durable Object's own SQLite storage: the sequence counter, the
 * recent-history cache, the outbox (events above `flushed_seq` have not reached PostgreSQL) and
 * the members' read markers. All SQL of the room object lives here. Writes are synchronous; the
 * runtime's output gate holds every frame sent afterwards until they are durable.
 */
export class Timeline {
  private meta = new Map<string, string>();
  /**
   * The last seq, kept in memory and derived from the events table on wake: the cache never
   * trims the newest event, so appending is a single INSERT (no counter row to rewrite).
   */
  private last = 0;

  constructor(private readonly sql: SqlStorage) {
    this.load();
  }

  private load() {
    this.sql.exec(SCHEMA);
    this.meta.clear();
    for (const row of this.sql.exec<{ key: string; value: string }>("SELECT key, value FROM meta")) {
      this.meta.set(row.key, row.value);
    }
    const newest = this.sql.exec<{ seq: number | null }>("SELECT max(seq) AS seq FROM events").one().seq;
    this.last = Math.max(newest ?? 0, Number(this.meta.get("last_seq") ?? 0));
  }

  /** After the storage was wiped (room deleted): an empty, uninitialised timeline again. */
  reset() {
    this.load();
  }

  private set(key: string, value: string | number) {
    this.sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", key, String(value));
    this.meta.set(key, String(value));
  }

  get initialised(): boolean {
    return this.meta.has("epoch");
  }

  /** Starts the timeline after `lastSeq` (what PostgreSQL already holds for this room). */
  initialise(roomId: number, lastSeq: number) {
    this.set("room_id", roomId);
    this.set("last_seq", lastSeq);
    this.set("flushed_seq", lastSeq);
    this.last = lastSeq;
    this.set("epoch", ulid());
  }

  get roomId(): number {
    return Number(this.meta.get("room_id") ?? 0);
  }
  get lastSeq(): number {
    return this.last;
  }
  get flushedSeq(): number {
    return Number(this.meta.get("flushed_seq") ?? 0);
  }
  get epoch(): string {
    return this.meta.get("epoch") ?? "";
  }

  // ── reads ──────────────────────────────────────────────────────────────────

  /** The message a (user, client_id) pair already produced, if the cache still holds it. */
  byClientId(userId: number, clientId: string): MessageEvent | undefined {
    const row = this.sql
      .exec<EventRow>("SELECT * FROM events WHERE user_id = ? AND client_id = ?", userId, clientId)
      .toArray()[0];
    return row && toMessageEvent(this.roomId, row);
  }

  /** A message (not an edit or delete event) if the cache holds it. */
  cachedMessage(id: string): EventRow | undefined {
    return this.sql.exec<EventRow>("SELECT * FROM events WHERE id = ? AND kind = 'message'", id).toArray()[0];
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
         SELECT * FROM (SELECT kind, content, NULL, created_at FROM events WHERE target_id = ? ORDER BY seq DESC LIMIT 1)`,
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
    if (e.type === "message.deleted") return e;
    const now = this.currentText(e.type === "message" ? e.id : (e as EditEvent).message_id);
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
    const oldest = this.oldestCached;
    if (w.after !== undefined) {
      if (w.after + 1 < oldest) return undefined;
      return this.sql
        .exec<EventRow>(
          "SELECT * FROM events WHERE kind = 'message' AND seq > ? ORDER BY seq LIMIT ?",
          w.after,
          w.limit,
        )
        .toArray()
        .map((row) => toMessageEvent(this.roomId, row));
    }
    const rows = this.sql
      .exec<EventRow>(
        "SELECT * FROM events WHERE kind = 'message' AND seq < ? ORDER BY seq DESC LIMIT ?",
        w.before ?? Number.MAX_SAFE_INTEGER,
        w.limit,
      )
      .toArray();
    // Fewer than asked: right only if the cache holds the timeline from its first event.
    if (rows.length < w.limit && oldest > 1) return undefined;
    return rows.reverse().map((row) => toMessageEvent(this.roomId, row));
  }

  /** Cached messages within a window's bounds (for merging into a page read from PostgreSQL). */
  cachedMessagesWithin(w: { after?: number | undefined; before?: number | undefined }): MessageEvent[] {
    return this.sql
      .exec<EventRow>(
        "SELECT * FROM events WHERE kind = 'message' AND seq > ? AND seq < ? ORDER BY seq",
        w.after ?? 0,
        w.before ?? Number.MAX_SAFE_INTEGER,
      )
      .toArray()
      .map((row) => toMessageEvent(this.roomId, row));
  }

  /** Events after `seq` from the cache, oldest first, as sent on the wire (current text). */
  eventsAfter(seq: number): TimelineEvent[] {
    return this.rowsAfter(seq).map((row) =>
      toTimelineEvent(this.roomId, row, row.target_id ? this.currentText(row.target_id) : undefined),
    );
  }

  rowsAfter(seq: number, limit = Number.MAX_SAFE_INTEGER): EventRow[] {
    return this.sql
      .exec<EventRow>("SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?", seq, limit)
      .toArray();
  }

  /** The lowest seq the cache still holds (lastSeq + 1 when empty). */
  get oldestCached(): number {
    const row = this.sql.exec<{ seq: number | null }>("SELECT min(seq) AS seq FROM events").one();
    return row.seq ?? this.lastSeq + 1;
  }

  // ── writes ─────────────────────────────────────────────────────────────────

  appendMessage(user: UserRef, content: string, clientId: string | null): MessageEvent {
    const row = this.insert("message", user, { target_id: null, content, client_id: clientId });
    return toMessageEvent(this.roomId, row);
  }

  /** Records an edit and updates the cached message (one row: replays read the text from it). */
  appendEdit(user: UserRef, messageId: string, content: string): EditEvent {
    const row = this.insert("edit", user, { target_id: messageId, content, client_id: null });
    this.sql.exec(
      "UPDATE events SET content = ?, edited_at = ? WHERE id = ?",
      content,
      row.created_at,
      messageId,
    );
    return toEditEvent(this.roomId, row, { content });
  }

  /** Records a delete and blanks every cached copy of the message's text. */
  appendDelete(user: UserRef, messageId: string): DeleteEvent {
    const row = this.insert("delete", user, { target_id: messageId, content: null, client_id: null });
    this.sql.exec(
      "UPDATE events SET content = NULL, deleted_at = ? WHERE id = ? OR target_id = ?",
      row.created_at,
      messageId,
      messageId,
    );
    return toDeleteEvent(this.roomId, row);
  }

  private insert(
    kind: EventRow["kind"],
    user: UserRef,
    e: Pick<EventRow, "target_id" | "content" | "client_id">,
  ): EventRow {
    const row: EventRow = {
      seq: this.lastSeq + 1,
      id: ulid(),
      kind,
      user_id: user.id,
      username: user.username,
      ...e,
      created_at: Date.now(),
      edited_at: null,
      deleted_at: null,
    };
    this.sql.exec(
      `INSERT INTO events (seq, id, kind, target_id, user_id, username, content, client_id, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      row.seq,
      row.id,
      row.kind,
      row.target_id,
      row.user_id,
      row.username,
      row.content,
      row.client_id,
      row.created_at,
    );
    this.last = row.seq;
    return row;
  }

  /**
   * The author's account was deleted: their events stay, authored by nobody. The id is negated
   * rather than nulled (the column is NOT NULL, and (user_id, client_id) stays unique).
   */
  forgetAuthor(userId: number) {
    this.sql.exec("UPDATE events SET user_id = -user_id, username = '' WHERE user_id = ?", userId);
  }

  // ── the outbox's side ──────────────────────────────────────────────────────

  /** Events not yet in PostgreSQL, oldest first. */
  unflushed(limit = Number.MAX_SAFE_INTEGER): EventRow[] {
    return this.rowsAfter(this.flushedSeq, limit);
  }

  /** Records that PostgreSQL holds everything up to `seq`, and trims the cache to `keep` (≥ 1) events. */
  markFlushed(seq: number, keep: number) {
    if (seq > this.flushedSeq) this.set("flushed_seq", seq);
    this.sql.exec("DELETE FROM events WHERE seq <= ? AND seq <= ?", this.flushedSeq, this.lastSeq - keep);
  }

  /** Moves a user's read marker forward (never back); returns where it stands. */
  advanceReadMarker(userId: number, seq: number): number {
    return this.sql
      .exec<{ seq: number }>(
        `INSERT INTO read_markers (user_id, seq) VALUES (?, ?)
         ON CONFLICT (user_id) DO UPDATE SET seq = max(seq, excluded.seq)
         RETURNING seq`,
        userId,
        seq,
      )
      .one().seq;
  }

  /** Markers that moved since their last copy to PostgreSQL (one per user: coalesced). */
  markersToCopy(): ReadMarker[] {
    return this.sql
      .exec<ReadMarker>("SELECT user_id, seq FROM read_markers WHERE seq > copied_seq")
      .toArray();
  }

  markersCopied(markers: ReadMarker[]) {
    for (const m of markers) {
      this.sql.exec("UPDATE read_markers SET copied_seq = ? WHERE user_id = ?", m.seq, m.user_id);
    }
  }

  get markersPending(): number {
    return this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM read_markers WHERE seq > copied_seq").one()
      .n;
  }
}
