/**
 * A member the room sent `fromSeq`..`toSeq` live, on sockets that closed before the room's notice
 * to its courier (room/socket/seen-live.ts), or, for a member connected at the notice, everything
 * up to its last seq: they are not pushed for those messages, only for the rest.
 */
export type Seen = [userId: number, fromSeq: number, toSeq: number];

type Range = { from: number; to: number };

/** Each member's ranges, as the push decision asks it (src/push/decide.ts); none: pushed for all. */
export type SeenRanges = ReadonlyMap<number, readonly Range[]>;

/** Whether `userId` was sent `seq` live. */
export const sawLive = (seen: SeenRanges, userId: number, seq: number) =>
  seen.get(userId)?.some((r) => r.from <= seq && seq <= r.to) ?? false;

/**
 * Ranges a member keeps undecided at once. A member who comes and goes while a copy or the
 * courier's run is held back has one range per visit; past this many the oldest are forgotten.
 */
export const MAX_RANGES = 8;

/**
 * Those ranges in an object's SQLite (the room's until its courier heard, the courier's until its
 * run decided them): at most MAX_RANGES rows per member, whatever the messages. A range that meets
 * others of the member's merges with them; beyond the bound the oldest goes, so that what is
 * forgotten is pushed (never the reverse).
 */
export class SeenTable {
  constructor(private readonly sql: SqlStorage) {
    this.load();
  }

  load() {
    this.sql.exec(`CREATE TABLE IF NOT EXISTS seen_ranges (
      user_id INTEGER NOT NULL, from_seq INTEGER NOT NULL, to_seq INTEGER NOT NULL,
      PRIMARY KEY (user_id, from_seq))`);
    // Before MAX_RANGES, one row per member (`seen_live`): taken over once.
    const old = this.sql
      .exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'seen_live'")
      .toArray();
    if (old.length === 0) return;
    this.sql.exec("INSERT OR IGNORE INTO seen_ranges SELECT user_id, from_seq, to_seq FROM seen_live");
    this.sql.exec("DROP TABLE seen_live");
  }

  add(seen: readonly Seen[]) {
    for (const [userId, from, to] of seen) {
      if (to < from) continue;
      // The member's ranges that meet this one (overlap or touch) become one.
      const met = this.sql
        .exec<{ from: number; to: number }>(
          `SELECT from_seq AS "from", to_seq AS "to" FROM seen_ranges
           WHERE user_id = ? AND from_seq <= ? AND to_seq >= ?`,
          userId,
          to + 1,
          from - 1,
        )
        .toArray();
      const range = met.reduce((r, m) => ({ from: Math.min(r.from, m.from), to: Math.max(r.to, m.to) }), {
        from,
        to,
      });
      if (met.length > 0)
        this.sql.exec(
          "DELETE FROM seen_ranges WHERE user_id = ? AND from_seq >= ? AND to_seq <= ?",
          userId,
          range.from,
          range.to,
        );
      this.sql.exec(
        "INSERT INTO seen_ranges (user_id, from_seq, to_seq) VALUES (?, ?, ?)",
        userId,
        range.from,
        range.to,
      );
      this.sql.exec(
        `DELETE FROM seen_ranges WHERE user_id = ? AND from_seq IN (
           SELECT from_seq FROM seen_ranges WHERE user_id = ? ORDER BY from_seq DESC LIMIT -1 OFFSET ?)`,
        userId,
        userId,
        MAX_RANGES,
      );
    }
  }

  /** The rows that reach `fromSeq` or later. */
  since(fromSeq: number): Seen[] {
    return this.sql
      .exec<{ user_id: number; from_seq: number; to_seq: number }>(
        "SELECT user_id, from_seq, to_seq FROM seen_ranges WHERE to_seq >= ? ORDER BY user_id, from_seq",
        fromSeq,
      )
      .toArray()
      .map((r): Seen => [r.user_id, r.from_seq, r.to_seq]);
  }

  ranges(): SeenRanges {
    const ranges = new Map<number, Range[]>();
    for (const [userId, from, to] of this.since(0)) {
      const mine = ranges.get(userId);
      if (mine) mine.push({ from, to });
      else ranges.set(userId, [{ from, to }]);
    }
    return ranges;
  }

  /** Done up to `seq`: the rows that end there go. */
  doneThrough(seq: number) {
    this.sql.exec("DELETE FROM seen_ranges WHERE to_seq <= ?", seq);
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
