/**
 * How many room sockets one user holds open, per room, as the rooms reported them: the one place
 * that sees all of a user's sockets, so that a limit across rooms can be enforced
 * (`WS_MAX_SOCKETS_ACROSS_ROOMS`). Kept in the inbox object's SQLite storage, so that the counts
 * survive hibernation and eviction.
 *
 * A room claims a place before it accepts a socket and reports the count it still holds when one
 * closes, so the counts heal themselves at every close. A room that crashed never reports: its
 * counts stay until the next reconciliation, which asks each listed room for the truth (its live
 * sockets). It runs only when a claim would be refused, at most once per `RECONCILE_EVERY_MS`, so
 * a user at the limit cannot make every attempt cost a call to each of their rooms.
 */
export class RoomSockets {
  private lastReconcile = 0;

  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS room_sockets (
      room_id INTEGER PRIMARY KEY,
      open INTEGER NOT NULL
    )`);
  }

  total(): number {
    return Number(this.sql.exec("SELECT COALESCE(SUM(open), 0) AS n FROM room_sockets").one().n);
  }

  rooms(): number[] {
    return this.sql
      .exec<{ room_id: number }>("SELECT room_id FROM room_sockets WHERE open > 0")
      .toArray()
      .map((r) => r.room_id);
  }

  /** Takes a place for one more socket in `roomId`; false (nothing taken) when `max` are open. */
  claim(roomId: number, max: number): boolean {
    if (this.total() >= max) return false;
    this.sql.exec(
      `INSERT INTO room_sockets (room_id, open) VALUES (?, 1)
       ON CONFLICT (room_id) DO UPDATE SET open = open + 1`,
      roomId,
    );
    return true;
  }

  /** The room says how many of the user's sockets it holds now (after a close, or when asked). */
  set(roomId: number, open: number) {
    if (open <= 0) this.sql.exec("DELETE FROM room_sockets WHERE room_id = ?", roomId);
    else this.sql.exec("INSERT OR REPLACE INTO room_sockets (room_id, open) VALUES (?, ?)", roomId, open);
  }

  /** Whether a reconciliation may run now (and, if so, marks it as run). */
  mayReconcile(now = Date.now()): boolean {
    if (now - this.lastReconcile < RECONCILE_EVERY_MS) return false;
    this.lastReconcile = now;
    return true;
  }
}

/** At most one reconciliation (a call to each of the user's rooms) per this many milliseconds. */
export const RECONCILE_EVERY_MS = 10_000;
