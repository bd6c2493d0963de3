import type { EventData, EventRow } from "../../domain/event-rows";
import { toDeleteEvent, toEditEvent, toMessageEvent } from "../../domain/event-rows";
import type { DeleteEvent, EditEvent, MessageEvent, UserRef } from "../../protocol";
import { CachedEvents } from "./cache";
import { type CopyBatch, readCopyBatch } from "./copy-batch";
import { EVENT_COLUMNS, eventRows } from "./event-cursor";
import { SCHEMA } from "./event-table";
import { EventRows } from "./group-commit";
import { ReadMarkers } from "./read-markers";
import { monotonicUlid } from "./ulid";

const ulid = monotonicUlid();

/**
 * The room's timeline in the Durable Object's own SQLite storage: the sequence counter, the
 * events (the recent-history cache; `cache` reads it), the outbox cursor (events above
 * `flushed_seq` have not reached PostgreSQL) and, beside it, the members' read markers.
 * Sequencing is synchronous; a socket send's row is written with the others of its turn
 * (`group-commit.ts`), and always before any frame about it leaves, so the runtime's output gate
 * holds those frames until the write is durable.
 */
export class Timeline {
  private meta = new Map<string, string>();
  /** The last seq, from the events table on wake (the cache keeps the newest): one INSERT appends. */
  private last = 0;
  /** Reads of the recent-history cache (`cache.ts`). */
  readonly cache: CachedEvents;
  /** Members' read markers (`read-markers.ts`). */
  readonly markers: ReadMarkers;
  /** The event rows in SQLite, written with group commit (`group-commit.ts`). */
  private readonly rows: EventRows;
  /** Every statement on the events goes through this: it writes what is pending first. */
  private readonly sql: Pick<SqlStorage, "exec">;

  /** Told when pending events could not be written, so that their frames never leave (`whenLost`). */
  private lost: (err: unknown) => void = () => {};
  /** Told in the turn `flushed_seq` moves, so that a write can join its commit (`whenFlushed`). */
  private flushed: () => void = () => {};
  constructor(private readonly raw: SqlStorage) {
    this.rows = new EventRows(raw, (err) => {
      this.last = this.storedLastSeq();
      this.lost(err);
    });
    this.sql = this.rows.sql;
    this.cache = new CachedEvents(this.sql, this);
    this.markers = new ReadMarkers(raw);
    this.load();
  }

  private load() {
    this.sql.exec(SCHEMA);
    // Storage created before replies, mentions and reactions existed gains their columns.
    const info = this.sql.exec<{ name: string }>("PRAGMA table_info(events)").toArray();
    const columns = new Set(info.map((c) => c.name));
    for (const column of ["reply_to", "data"]) {
      if (!columns.has(column)) this.sql.exec(`ALTER TABLE events ADD COLUMN ${column} TEXT`);
    }
    this.meta.clear();
    for (const row of this.sql.exec<{ key: string; value: string }>("SELECT key, value FROM meta")) {
      this.meta.set(row.key, row.value);
    }
    this.last = this.storedLastSeq();
  }

  private storedLastSeq(): number {
    const newest = this.raw.exec<{ seq: number | null }>("SELECT max(seq) AS seq FROM events").one().seq;
    return Math.max(newest ?? 0, Number(this.meta.get("last_seq") ?? 0));
  }

  /** Writes this turn's pending socket sends now (see `EventRows.commit`). */
  commit() {
    this.rows.commit();
  }

  /** Runs `write` together with this turn's pending rows (group commit), or now if none is pending. */
  withRows(write: () => void) {
    this.rows.later(write);
  }

  /** Another table's rows, written with this turn's event rows (`EventRows.companion`). */
  companion<T>(write: (items: T[]) => void) {
    return this.rows.companion(write);
  }

  /** The room's output (`RoomOutput`) drops the frames of events whose write failed. */
  whenLost(listener: (err: unknown) => void) {
    this.lost = listener;
  }

  /** The copy's schedule leaves its next alarm in the commit that records a copy (`markFlushed`). */
  whenFlushed(listener: () => void) {
    this.flushed = listener;
  }

  /** After the storage was wiped (room deleted): an empty, uninitialised timeline again. */
  reset() {
    this.rows.discard();
    this.cache.pages.forget();
    this.load();
    this.markers.load();
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

  /** The message a (user, client_id) pair already produced, if the cache still holds it. */
  byClientId(userId: number, clientId: string): MessageEvent | undefined {
    // Not through `sql`: asked by every send, it would write this turn's pending rows (group-commit.ts).
    const row = this.rows.byClientId(userId, clientId);
    return row && toMessageEvent(this.roomId, row);
  }

  /** A message (not an edit or delete event) if the cache holds it. */
  cachedMessage(id: string): EventRow | undefined {
    return this.sql.exec<EventRow>("SELECT * FROM events WHERE id = ? AND kind = 'message'", id).toArray()[0];
  }

  /** Read as arrays (`event-cursor.ts`: cheaper than the runtime's row objects). */
  rowsAfter(seq: number, limit = Number.MAX_SAFE_INTEGER): EventRow[] {
    const sql = `SELECT ${EVENT_COLUMNS} FROM events WHERE seq > ? ORDER BY seq LIMIT ?`;
    return eventRows(this.sql.exec(sql, seq, limit));
  }

  /** The lowest seq the cache still holds (lastSeq + 1 when empty). */
  get oldestCached(): number {
    const row = this.sql.exec<{ seq: number | null }>("SELECT min(seq) AS seq FROM events").one();
    return row.seq ?? this.lastSeq + 1;
  }

  appendMessage(
    user: UserRef,
    content: string,
    clientId: string | null,
    extra?: Pick<EventRow, "reply_to" | "data"> & { id?: string },
    defer = false,
  ): MessageEvent {
    const e = { target_id: null, content, client_id: clientId, ...extra };
    const row = this.insert("message", user, e, defer);
    return toMessageEvent(this.roomId, row);
  }

  /** Records an event about a message that changes no text (a reaction, a thread's counters). */
  appendAnnotation(kind: "reaction" | "thread", user: UserRef, messageId: string, data: EventData): EventRow {
    return this.insert(kind, user, {
      target_id: messageId,
      content: null,
      client_id: null,
      data: JSON.stringify(data),
    });
  }

  /** Records an edit and updates the cached message (one row: replays read the text from it). */
  appendEdit(user: UserRef, messageId: string, content: string, data: string | null = null): EditEvent {
    const row = this.insert("edit", user, { target_id: messageId, content, client_id: null, data });
    this.sql.exec(
      "UPDATE events SET content = ?, edited_at = ? WHERE id = ?",
      content,
      row.created_at,
      messageId,
    );
    return toEditEvent(this.roomId, row, { content });
  }

  /** Records a delete and blanks every cached copy of the message's text. */
  appendDelete(user: UserRef, messageId: string, data: string | null = null): DeleteEvent {
    const row = this.insert("delete", user, { target_id: messageId, content: null, client_id: null, data });
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
    e: Pick<EventRow, "target_id" | "content" | "client_id"> &
      Partial<Pick<EventRow, "id" | "reply_to" | "data">>,
    defer = false,
  ): EventRow {
    const row: EventRow = {
      seq: this.lastSeq + 1,
      kind,
      user_id: user.id,
      username: user.username,
      ...e,
      id: e.id ?? ulid(),
      created_at: Date.now(),
      edited_at: null,
      deleted_at: null,
      reply_to: e.reply_to ?? null,
      data: e.data ?? null,
    };
    this.rows.add(row, defer);
    this.last = row.seq;
    return row;
  }

  /**
   * The author's account was deleted: their events stay, authored by nobody. The id is negated
   * rather than nulled (the column is NOT NULL, and (user_id, client_id) stays unique); their files went with it.
   */
  forgetAuthor(userId: number) {
    const forget = "user_id = -user_id, username = '', data = json_remove(data, '$.attachments')";
    this.sql.exec(`UPDATE events SET ${forget} WHERE user_id = ?`, userId);
  }

  /** Up to `limit` events after `after` (to `upTo`) not yet in PostgreSQL, as one copy (`copy-batch.ts`). */
  unflushed(limit: number, after = this.flushedSeq, upTo?: number): CopyBatch | null {
    return readCopyBatch(this.sql, after, limit, upTo);
  }

  /** Records that PostgreSQL holds everything up to `seq`, and trims the cache to `keep` (≥ 1) events. */
  markFlushed(seq: number, keep: number) {
    if (seq > this.flushedSeq) {
      this.set("flushed_seq", seq);
      this.flushed();
    }
    this.sql.exec("DELETE FROM events WHERE seq <= ? AND seq <= ?", this.flushedSeq, this.lastSeq - keep);
  }
}
