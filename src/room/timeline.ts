import { monotonicFactory } from "ulidx";
import type { TimelineEvent, UserRef } from "./protocol";

const ulid = monotonicFactory();

export type EventKind = "message" | "edit" | "delete";

/** One event of the room's timeline in the object's SQLite storage. */
export type EventRow = {
  seq: number;
  id: string;
  kind: EventKind;
  /** edit/delete: the message they apply to. */
  target_id: string | null;
  user_id: number;
  username: string;
  /** message: current text; edit: the message's current text; null once the message is deleted. */
  content: string | null;
  client_id: string | null;
  created_at: number;
  edited_at: number | null;
  deleted_at: number | null;
};

/**
 * The room's timeline in the Durable Object's own SQLite storage: the sequence counter, the
 * recent-history cache and the outbox (events above `flushed_seq` have not reached PostgreSQL).
 * All SQL of the room object lives here. Writes are synchronous; the runtime's output gate holds
 * every frame sent afterwards until they are durable.
 */
export class Timeline {
  private meta = new Map<string, string>();
  /**
   * The last seq, kept in memory and derived from the events table on wake: the cache never
   * trims the newest event, so appending is a single INSERT (no counter row to rewrite).
   */
  private last: number;

  constructor(private readonly sql: SqlStorage) {
    sql.exec(`
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
    `);
    for (const row of sql.exec<{ key: string; value: string }>("SELECT key, value FROM meta")) {
      this.meta.set(row.key, row.value);
    }
    const newest = sql.exec<{ seq: number | null }>("SELECT max(seq) AS seq FROM events").one().seq;
    this.last = Math.max(newest ?? 0, Number(this.meta.get("last_seq") ?? 0));
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

  /** The event a (user, client_id) pair already produced, if the cache still holds it. */
  byClientId(userId: number, clientId: string): EventRow | undefined {
    return this.sql
      .exec<EventRow>("SELECT * FROM events WHERE user_id = ? AND client_id = ?", userId, clientId)
      .toArray()[0];
  }

  /** A message (not an edit or delete event) if the cache holds it. */
  cachedMessage(id: string): EventRow | undefined {
    return this.sql.exec<EventRow>("SELECT * FROM events WHERE id = ? AND kind = 'message'", id).toArray()[0];
  }

  /** Whether the cache holds a delete event for this message. */
  deletedInCache(messageId: string): boolean {
    return (
      this.sql
        .exec("SELECT 1 FROM events WHERE target_id = ? AND kind = 'delete' LIMIT 1", messageId)
        .toArray().length > 0
    );
  }

  appendMessage(user: UserRef, content: string, clientId: string | null): EventRow {
    return this.insert({ kind: "message", target_id: null, user, content, client_id: clientId });
  }

  /** Records an edit and rewrites the cached copies of the message, so nothing replays old text. */
  appendEdit(user: UserRef, messageId: string, content: string): EventRow {
    const row = this.insert({ kind: "edit", target_id: messageId, user, content, client_id: null });
    this.sql.exec(
      "UPDATE events SET content = ?, edited_at = ? WHERE id = ? OR (target_id = ? AND kind = 'edit')",
      content,
      row.created_at,
      messageId,
      messageId,
    );
    return { ...row, edited_at: row.created_at };
  }

  /** Records a delete and blanks every cached copy of the message's text. */
  appendDelete(user: UserRef, messageId: string): EventRow {
    const row = this.insert({ kind: "delete", target_id: messageId, user, content: null, client_id: null });
    this.sql.exec(
      "UPDATE events SET content = NULL, deleted_at = ? WHERE id = ? OR target_id = ?",
      row.created_at,
      messageId,
      messageId,
    );
    return { ...row, deleted_at: row.created_at };
  }

  private insert(e: {
    kind: EventKind;
    target_id: string | null;
    user: UserRef;
    content: string | null;
    client_id: string | null;
  }): EventRow {
    const row: EventRow = {
      seq: this.lastSeq + 1,
      id: ulid(),
      kind: e.kind,
      target_id: e.target_id,
      user_id: e.user.id,
      username: e.user.username,
      content: e.content,
      client_id: e.client_id,
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

  /** Events after `seq` from the cache, oldest first, at most `limit`. */
  after(seq: number, limit = Number.MAX_SAFE_INTEGER): EventRow[] {
    return this.sql
      .exec<EventRow>("SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?", seq, limit)
      .toArray();
  }

  /** The lowest seq the cache still holds (lastSeq + 1 when empty). */
  get oldestCached(): number {
    const row = this.sql.exec<{ seq: number | null }>("SELECT min(seq) AS seq FROM events").one();
    return row.seq ?? this.lastSeq + 1;
  }

  /** Events not yet in PostgreSQL, oldest first. */
  unflushed(limit = Number.MAX_SAFE_INTEGER): EventRow[] {
    return this.after(this.flushedSeq, limit);
  }

  /** Records that PostgreSQL holds everything up to `seq`, and trims the cache to `keep` (≥ 1) events. */
  markFlushed(seq: number, keep: number) {
    if (seq > this.flushedSeq) this.set("flushed_seq", seq);
    this.sql.exec("DELETE FROM events WHERE seq <= ? AND seq <= ?", this.flushedSeq, this.lastSeq - keep);
  }

  toEvent(row: EventRow): TimelineEvent {
    return toTimelineEvent(this.roomId, row);
  }
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The wire form of a stored event (cache or PostgreSQL). */
export function toTimelineEvent(roomId: number, row: EventRow): TimelineEvent {
  const base = { room_id: roomId, seq: row.seq, id: row.id, user_id: row.user_id, username: row.username };
  switch (row.kind) {
    case "edit":
      return {
        ...base,
        type: "message.edited",
        message_id: row.target_id ?? "",
        content: row.content,
        edited_at: iso(row.edited_at ?? row.created_at),
      };
    case "delete":
      return {
        ...base,
        type: "message.deleted",
        message_id: row.target_id ?? "",
        deleted_at: iso(row.created_at),
      };
    default:
      return {
        ...base,
        type: "message",
        content: row.deleted_at === null ? row.content : null,
        client_id: row.client_id,
        created_at: iso(row.created_at),
        edited_at: row.edited_at === null ? null : iso(row.edited_at),
        deleted: row.deleted_at !== null,
      };
  }
}
