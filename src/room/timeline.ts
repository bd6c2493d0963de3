import { monotonicFactory } from "ulidx";
import type { MessageEvent } from "./protocol";

const ulid = monotonicFactory();

/** One row of the room's timeline in the object's SQLite storage. */
export type EventRow = {
  seq: number;
  id: string;
  user_id: number;
  username: string;
  content: string | null;
  client_id: string | null;
  created_at: number;
};

export type AppendResult = { event: MessageEvent; duplicate: boolean };

/**
 * The room's timeline in the Durable Object's own SQLite storage: the sequence counter, the
 * recent-history cache and the outbox (events with seq above `flushed_seq` have not reached
 * PostgreSQL yet). All SQL of the room object lives here. Writes are synchronous; the runtime's
 * output gate holds every frame sent afterwards until they are durable.
 */
export class Timeline {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS events (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL,
        user_id INTEGER NOT NULL,
        username TEXT NOT NULL,
        content TEXT,
        client_id TEXT,
        created_at INTEGER NOT NULL
      );
      CREATE UNIQUE INDEX IF NOT EXISTS events_client ON events (user_id, client_id) WHERE client_id IS NOT NULL;
    `);
  }

  private get(key: string): string | undefined {
    const row = this.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", key).toArray()[0];
    return row?.value;
  }

  private set(key: string, value: string | number) {
    this.sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", key, String(value));
  }

  get initialised(): boolean {
    return this.get("epoch") !== undefined;
  }

  /** Starts the timeline after `lastSeq` (what PostgreSQL already holds for this room). */
  initialise(roomId: number, lastSeq: number) {
    this.set("room_id", roomId);
    this.set("last_seq", lastSeq);
    this.set("flushed_seq", lastSeq);
    this.set("epoch", ulid());
  }

  get roomId(): number {
    return Number(this.get("room_id"));
  }
  get lastSeq(): number {
    return Number(this.get("last_seq") ?? 0);
  }
  get flushedSeq(): number {
    return Number(this.get("flushed_seq") ?? 0);
  }
  get epoch(): string {
    return this.get("epoch") ?? "";
  }

  /** Appends a message, or returns the original for a repeated (user, client_id). */
  append(user: { id: number; username: string }, content: string, clientId: string | null): AppendResult {
    if (clientId !== null) {
      const prior = this.sql
        .exec<EventRow>("SELECT * FROM events WHERE user_id = ? AND client_id = ?", user.id, clientId)
        .toArray()[0];
      if (prior) return { event: this.toEvent(prior), duplicate: true };
    }
    const row: EventRow = {
      seq: this.lastSeq + 1,
      id: ulid(),
      user_id: user.id,
      username: user.username,
      content,
      client_id: clientId,
      created_at: Date.now(),
    };
    this.sql.exec(
      "INSERT INTO events (seq, id, user_id, username, content, client_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
      row.seq,
      row.id,
      row.user_id,
      row.username,
      row.content,
      row.client_id,
      row.created_at,
    );
    this.set("last_seq", row.seq);
    return { event: this.toEvent(row), duplicate: false };
  }

  /** Events after `seq` from the cache, oldest first, at most `limit`. */
  after(seq: number, limit: number): EventRow[] {
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
  unflushed(limit: number): EventRow[] {
    return this.after(this.flushedSeq, limit);
  }

  /** Records that PostgreSQL holds everything up to `seq`, and trims the cache to `keep` events. */
  markFlushed(seq: number, keep: number) {
    if (seq > this.flushedSeq) this.set("flushed_seq", seq);
    this.sql.exec("DELETE FROM events WHERE seq <= ? AND seq <= ?", this.flushedSeq, this.lastSeq - keep);
  }

  toEvent(row: EventRow): MessageEvent {
    return {
      type: "message",
      room_id: this.roomId,
      seq: row.seq,
      id: row.id,
      user_id: row.user_id,
      username: row.username,
      content: row.content,
      client_id: row.client_id,
      created_at: new Date(row.created_at).toISOString(),
      edited_at: null,
      deleted: false,
    };
  }
}
