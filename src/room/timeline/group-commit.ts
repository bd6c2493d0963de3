import type { EventRow } from "../../domain/event-rows";

export const COLUMNS = [
  "seq",
  "id",
  "kind",
  "target_id",
  "user_id",
  "username",
  "content",
  "client_id",
  "created_at",
  "reply_to",
  "data",
] as const satisfies ReadonlyArray<keyof EventRow>;
const ROW_PLACEHOLDERS = `(${COLUMNS.map(() => "?").join(", ")})`;
/** Durable Object SQLite binds at most 100 parameters per statement. */
const ROWS_PER_INSERT = Math.floor(100 / COLUMNS.length);

/**
 * The backstop's delay (ms). Not 0: workerd fires a context's timers one per tick of its ≈ 1 ms
 * clock, in order of when they are due, so a backstop due with a busy room's flush timer ran first
 * and delayed that flush's frames by one more tick (measured, issue 25). Due later, it finds
 * nothing left to write whenever a frame was sent.
 */
const BACKSTOP_MS = 1;

/**
 * The room's event rows in its SQLite storage, written with group commit. A send from a socket is
 * sequenced at once but written together with the others of the same turn of the event loop, in
 * one SQLite transaction: workerd's local storage makes every commit an `fsync` on the thread
 * that runs the room, so one commit per event capped a busy room (README, Performance).
 *
 * Nothing about a pending event may leave the room before it is written, because the runtime's
 * output gate only holds frames back for writes already made. So every statement on the events
 * goes through `sql`, which writes what is pending first; every frame the room sends calls
 * `commit` first (`RoomOutput`, `room/output.ts`); and a backstop timer writes a turn's rows if no
 * frame did. If the write fails, the pending rows are dropped and `onLost` runs: the timeline
 * steps its sequence back and the frames queued for those events are discarded, never sent.
 */
export class EventRows {
  /** Socket sends of this turn: sequenced, not yet written. */
  private pending: EventRow[] = [];
  /** Writes that belong with the pending rows (the unread index's), run right after them. */
  private followers: Array<() => void> = [];
  /** Rows of other tables gathered for this turn (`companion`), dropped with the pending rows. */
  private readonly gathered: Array<{ items: unknown[] }> = [];
  /** Every statement on the events goes through this: it writes what is pending first. */
  readonly sql: Pick<SqlStorage, "exec">;

  constructor(
    private readonly raw: SqlStorage,
    private readonly onLost: (err: unknown) => void,
  ) {
    this.sql = {
      exec: (query, ...bindings) => {
        this.commit();
        return raw.exec(query, ...bindings);
      },
    };
  }

  /** Writes `row` now, or (`defer`) with the others of this turn. Rows are written in seq order. */
  add(row: EventRow, defer: boolean) {
    if (!defer) {
      this.commit();
      this.write([row]);
      return;
    }
    this.pending.push(row);
    if (this.pending.length === 1) setTimeout(() => this.commitQuietly(), BACKSTOP_MS);
  }

  /**
   * Runs `write` with the pending rows (now, if none is pending). Any other write in a turn ends
   * that turn with a commit of its own (an `fsync` locally), so a per-message write made at once
   * would undo the group commit: one commit per message again.
   */
  later(write: () => void) {
    if (this.pending.length === 0) write();
    else this.followers.push(write);
  }

  /**
   * A writer of another table's rows that belong with the events (the unread index's): a turn's
   * items go to `write` together, once, right after the event rows (one statement for a busy
   * turn instead of one per event); with nothing pending, at once. Lost or discarded with them.
   */
  companion<T>(write: (items: T[]) => void): (item: T) => void {
    const gathered = { items: [] as T[] };
    this.gathered.push(gathered);
    const flush = () => {
      const { items } = gathered;
      gathered.items = [];
      write(items);
    };
    return (item) => {
      if (this.pending.length === 0) return write([item]);
      if (gathered.items.length === 0) this.followers.push(flush);
      gathered.items.push(item);
    };
  }

  /**
   * A send's earlier copy by (user, client_id), pending or stored, without writing what is
   * pending first: every send with a `client_id` asks (the retry check), so going through `sql`
   * wrote the previous send's row in each send's own event, and pipelined sends (one event each)
   * were one commit each, an `fsync` locally, again (measured, issue 25: a lone typed client's 16
   * sends on the wire took one commit per send). A pending row is as it was sequenced: an edit or
   * delete of it goes through `sql`, which writes it first.
   */
  byClientId(userId: number, clientId: string): EventRow | undefined {
    for (const row of this.pending) {
      if (row.user_id === userId && row.client_id === clientId) return row;
    }
    return this.raw
      .exec<EventRow>("SELECT * FROM events WHERE user_id = ? AND client_id = ?", userId, clientId)
      .toArray()[0];
  }

  /** Writes the pending rows, in one transaction with whatever else this turn writes. */
  commit() {
    if (this.pending.length === 0) return;
    const rows = this.pending;
    const followers = this.followers;
    this.pending = [];
    this.followers = [];
    try {
      this.write(rows);
      for (const write of followers) write();
    } catch (err) {
      this.dropGathered();
      this.onLost(err);
      throw err;
    }
  }

  /** The storage was wiped (room deleted): what is pending belongs to no room any more. */
  discard() {
    this.pending = [];
    this.followers = [];
    this.dropGathered();
  }

  private dropGathered() {
    for (const g of this.gathered) g.items = [];
  }

  private commitQuietly() {
    try {
      this.commit();
    } catch (err) {
      console.error("room: events could not be written; their frames were not sent", err);
    }
  }

  /** In seq order, up to ROWS_PER_INSERT rows per statement (each statement has a fixed cost). */
  private write(rows: EventRow[]) {
    for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
      const n = Math.min(ROWS_PER_INSERT, rows.length - i);
      const bindings: SqlStorageValue[] = [];
      for (let k = i; k < i + n; k++) bindings.push(...bindingsOf(rows[k] as EventRow));
      this.raw.exec(INSERTS[n] as string, ...bindings);
    }
  }
}

/** A row's values in COLUMNS' order (spelled out: a lookup by column name per value was megamorphic). */
export const bindingsOf = (r: EventRow): SqlStorageValue[] => [
  r.seq,
  r.id,
  r.kind,
  r.target_id,
  r.user_id,
  r.username,
  r.content,
  r.client_id,
  r.created_at,
  r.reply_to,
  r.data,
];

/** The INSERT statement for n rows (index n), built once. */
const INSERTS = Array.from(
  { length: ROWS_PER_INSERT + 1 },
  (_, n) => `INSERT INTO events (${COLUMNS.join(", ")}) VALUES ${Array(n).fill(ROW_PLACEHOLDERS).join(", ")}`,
);
