/**
 * A member the room sent `fromSeq`..`toSeq` live, on sockets that closed before the room's notice
 * to its courier (room/socket/seen-live.ts), or, for a member connected at the notice, everything
 * up to its last seq: they are not pushed for those messages, only for the rest.
 */
export type Seen = [userId: number, fromSeq: number, toSeq: number];

type Range = { from: number; to: number };

/** Each member's range, as the push decision asks it (src/push/decide.ts); none: pushed for all. */
export type SeenRanges = ReadonlyMap<number, Range>;

/** Whether `userId` was sent `seq` live. */
export const sawLive = (seen: SeenRanges, userId: number, seq: number) => {
  const r = seen.get(userId);
  return r !== undefined && r.from <= seq && seq <= r.to;
};

/**
 * Those ranges in an object's SQLite, one row per member (the room's until its courier heard,
 * the courier's until its run decided them): bounded by the members, whatever the messages. A
 * range that meets a member's last merges with it; one that does not replaces it when newer, so
 * that what is forgotten is pushed (never the reverse).
 */
export class SeenTable {
  constructor(private readonly sql: SqlStorage) {
    this.load();
  }

  load() {
    this.sql.exec(`CREATE TABLE IF NOT EXISTS seen_live (
      user_id INTEGER PRIMARY KEY, from_seq INTEGER NOT NULL, to_seq INTEGER NOT NULL)`);
  }

  add(seen: readonly Seen[]) {
    for (const [userId, from, to] of seen) {
      if (to < from) continue;
      const last = this.sql
        .exec<{ from: number; to: number }>(
          'SELECT from_seq AS "from", to_seq AS "to" FROM seen_live WHERE user_id = ?',
          userId,
        )
        .toArray()[0];
      let range: Range = { from, to };
      if (last && from <= last.to + 1 && last.from <= to + 1)
        range = { from: Math.min(last.from, from), to: Math.max(last.to, to) };
      else if (last && last.to >= to) continue;
      this.sql.exec(
        "INSERT OR REPLACE INTO seen_live (user_id, from_seq, to_seq) VALUES (?, ?, ?)",
        userId,
        range.from,
        range.to,
      );
    }
  }

  /** The rows that reach `fromSeq` or later. */
  since(fromSeq: number): Seen[] {
    return this.sql
      .exec<{ user_id: number; from_seq: number; to_seq: number }>(
        "SELECT user_id, from_seq, to_seq FROM seen_live WHERE to_seq >= ?",
        fromSeq,
      )
      .toArray()
      .map((r): Seen => [r.user_id, r.from_seq, r.to_seq]);
  }

  ranges(): SeenRanges {
    return new Map(this.since(0).map(([userId, from, to]) => [userId, { from, to }]));
  }

  /** Done up to `seq`: the rows that end there go. */
  doneThrough(seq: number) {
    this.sql.exec("DELETE FROM seen_live WHERE to_seq <= ?", seq);
  }
}

/**
 * Couriers before 9dd0420 kept the members connected at a notice in a `live` table, used once
 * by the next run, which decided up to the courier's head: the same as a range to that head.
 * Taken over once, then dropped, so that an upgrade pushes nobody for what they saw live.
 */
export function adoptLegacyLive(sql: SqlStorage, seen: SeenTable, head: number | null) {
  const legacy = sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'live'").toArray();
  if (legacy.length === 0) return;
  if (head !== null) {
    const ids = sql.exec<{ user_id: number }>("SELECT user_id FROM live").toArray();
    seen.add(ids.map((r): Seen => [r.user_id, 1, head]));
  }
  sql.exec("DROP TABLE live");
}
