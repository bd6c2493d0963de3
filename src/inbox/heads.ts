import type { RoomHead } from "../protocol";

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS inbox_rooms (
    room_id INTEGER PRIMARY KEY,
    head TEXT,
    watched INTEGER NOT NULL DEFAULT 0,
    live_seq INTEGER NOT NULL DEFAULT 0,
    gone INTEGER NOT NULL DEFAULT 0
  );
`;

type Row = { room_id: number; head: string | null; watched: number; live_seq: number; gone: number };

/** What a head the room pushed means for the channel. */
export type HeadChange = "room.head" | "room.read" | null;

/**
 * Each room's head as this user last heard it (its last seq, the user's read marker, the exact
 * counts), whether the room pushes to this object (`watched`), and rooms the user lost (`gone`),
 * so that a push still in flight when access ended is dropped instead of delivered.
 */
export class Heads {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(SCHEMA);
  }

  private row(roomId: number): Row | undefined {
    return this.sql.exec<Row>("SELECT * FROM inbox_rooms WHERE room_id = ?", roomId).toArray()[0];
  }

  /**
   * Records a head and says what it changed: a newer room seq is a `room.head`, the same seq
   * with a marker that moved is a `room.read`, anything older or equal is nothing (pushes may
   * overtake each other; the newest state wins). Heads of rooms the user lost are dropped.
   */
  apply(head: RoomHead, live = false): HeadChange {
    const row = this.row(head.room_id);
    if (row?.gone) return null;
    const before = row?.head ? (JSON.parse(row.head) as RoomHead) : null;
    const change = classify(before, head);
    if (change === null) return null;
    // One statement (each write of an object is a commit): the head, and whether a device saw it.
    this.sql.exec(
      `INSERT INTO inbox_rooms (room_id, head, live_seq) VALUES (?, ?, ?)
       ON CONFLICT (room_id) DO UPDATE SET head = excluded.head, live_seq = max(live_seq, excluded.live_seq)`,
      head.room_id,
      JSON.stringify(head),
      live ? head.room_seq : 0,
    );
    return change;
  }

  /** Whether the user still has this room (not lost since it was last gained). */
  has(roomId: number): boolean {
    return !this.row(roomId)?.gone;
  }

  setWatched(roomId: number, watched: boolean) {
    this.sql.exec(
      `INSERT INTO inbox_rooms (room_id, watched) VALUES (?, ?)
       ON CONFLICT (room_id) DO UPDATE SET watched = excluded.watched`,
      roomId,
      watched ? 1 : 0,
    );
  }

  /** Rooms that push to this object now. */
  watched(): number[] {
    return this.sql
      .exec<{ room_id: number }>("SELECT room_id FROM inbox_rooms WHERE watched = 1 AND gone = 0")
      .toArray()
      .map((r) => r.room_id);
  }

  /** The user gained the room (again): its pushes are welcome. */
  gained(roomId: number) {
    this.sql.exec(
      `INSERT INTO inbox_rooms (room_id, gone) VALUES (?, 0)
       ON CONFLICT (room_id) DO UPDATE SET gone = 0`,
      roomId,
    );
  }

  /** The user lost the room: its head is forgotten and any push still in flight is dropped. */
  lost(roomId: number) {
    this.sql.exec(
      `INSERT INTO inbox_rooms (room_id, gone, watched) VALUES (?, 1, 0)
       ON CONFLICT (room_id) DO UPDATE SET gone = 1, watched = 0, head = NULL`,
      roomId,
    );
  }

  /** The user's devices all left: no room pushes here until one connects again. */
  unwatchAll() {
    this.sql.exec("UPDATE inbox_rooms SET watched = 0");
  }

  /** The highest room seq a connected device was sent, if any. */
  liveSeq(roomId: number): number | null {
    return this.row(roomId)?.live_seq ?? null;
  }

  /** The head a room last pushed, if any (the "seen live" hook for push notifications). */
  head(roomId: number): RoomHead | null {
    const row = this.row(roomId);
    return row?.head && !row.gone ? (JSON.parse(row.head) as RoomHead) : null;
  }
}

function classify(before: RoomHead | null, after: RoomHead): HeadChange {
  if (!before || after.room_seq > before.room_seq) return "room.head";
  if (after.room_seq < before.room_seq) return null;
  if (after.read_seq > before.read_seq) return "room.read";
  const same = after.unread_count === before.unread_count && after.mention_count === before.mention_count;
  // The same seq with another last message: what the user may see changed (a block, an unblock).
  const shown = (h: RoomHead) => `${h.last_message?.id}:${h.last_message?.excerpt}`;
  return same && shown(after) === shown(before) ? null : "room.head";
}
