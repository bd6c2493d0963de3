import type { HiddenEvent, TimelineEvent } from "../../protocol";

const SCHEMA = `CREATE TABLE IF NOT EXISTS hidden_events (seq INTEGER PRIMARY KEY, user_id INTEGER NOT NULL);`;

/** An event as one reader may see it: itself, or a placeholder at its seq. */
export type Visible = TimelineEvent | HiddenEvent;

/**
 * Events of the timeline that only one user may see (a shadow-banned author's), and how every
 * other reader sees them: a `hidden` placeholder at the same seq, so that gap detection stays
 * exact (invariant 14) live, on resume and across it. The one mechanism for "this reader must
 * not see this event": a reader's own block list can answer through `hiddenFrom` the same way.
 *
 * Kept for the life of the room's storage (not trimmed with the cache), because a resume from
 * PostgreSQL replays those seqs too; a room whose storage is gone has a new epoch, and no resume
 * crosses that. PostgreSQL marks the same events (`messages.hidden`) for its own reads.
 */
export class HiddenEvents {
  constructor(private readonly sql: SqlStorage) {
    this.load();
  }

  load() {
    this.sql.exec(SCHEMA);
  }

  /** After the storage was wiped (room deleted). */
  reset() {
    this.load();
    this.sql.exec("DELETE FROM hidden_events");
  }

  /** The event at `seq` is shown to `userId` only. */
  hide(seq: number, userId: number) {
    this.sql.exec("INSERT OR REPLACE INTO hidden_events (seq, user_id) VALUES (?, ?)", seq, userId);
  }

  /** The only user who sees the event at `seq`, if it is hidden from the others. */
  ownerOf(seq: number): number | undefined {
    return this.sql
      .exec<{ user_id: number }>("SELECT user_id FROM hidden_events WHERE seq = ?", seq)
      .toArray()[0]?.user_id;
  }

  /** Hidden seqs within `[from, to]` and their owners (one query per replay). */
  within(from: number, to: number): Map<number, number> {
    const rows = this.sql
      .exec<{ seq: number; user_id: number }>(
        "SELECT seq, user_id FROM hidden_events WHERE seq BETWEEN ? AND ?",
        from,
        to,
      )
      .toArray();
    return new Map(rows.map((r) => [r.seq, r.user_id]));
  }

  /** A replay as `readerId` may see it. */
  viewOf<E extends TimelineEvent>(events: E[], readerId: number): Array<E | HiddenEvent> {
    if (events.length === 0) return events;
    const first = events[0]?.seq ?? 0;
    const hidden = this.within(first, events.at(-1)?.seq ?? first);
    if (hidden.size === 0) return events;
    return events.map((e) => {
      const owner = hidden.get(e.seq);
      return owner === undefined || owner === readerId ? e : placeholder(e);
    });
  }

  /** Only what `readerId` may see at all (REST pages: a hidden message is left out, not replaced). */
  visibleTo<E extends TimelineEvent>(events: E[], readerId: number): E[] {
    const view = this.viewOf(events, readerId);
    return view.filter((e): e is E => e.type !== "hidden");
  }
}

export const placeholder = (e: Pick<TimelineEvent, "room_id" | "seq">): HiddenEvent => ({
  type: "hidden",
  room_id: e.room_id,
  seq: e.seq,
});
