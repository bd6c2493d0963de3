const SCHEMA = `
  CREATE TABLE IF NOT EXISTS read_markers (
    user_id INTEGER PRIMARY KEY,
    seq INTEGER NOT NULL,
    copied_seq INTEGER NOT NULL DEFAULT 0
  );
`;

export type ReadMarker = { user_id: number; seq: number };

/**
 * Where each member has read up to, kept in the room (the single writer of its timeline, so a
 * marker never moves back and is checked against the room's own last seq). The outbox copies the
 * markers that moved since their last copy, one per user, coalesced.
 */
export class ReadMarkers {
  constructor(private readonly sql: SqlStorage) {
    this.load();
  }

  /** Creates the table (again, after the room's storage was wiped). */
  load() {
    this.sql.exec(SCHEMA);
  }

  /** Moves a user's read marker forward (never back); returns where it stands. */
  advance(userId: number, seq: number): number {
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

  /** Where a user has read up to in this room (0: never read here). */
  of(userId: number): number {
    const row = this.sql
      .exec<{ seq: number }>("SELECT seq FROM read_markers WHERE user_id = ?", userId)
      .toArray()[0];
    return row?.seq ?? 0;
  }

  /** Markers that moved since their last copy to PostgreSQL. */
  toCopy(): ReadMarker[] {
    return this.sql
      .exec<ReadMarker>("SELECT user_id, seq FROM read_markers WHERE seq > copied_seq")
      .toArray();
  }

  copied(markers: ReadMarker[]) {
    for (const m of markers) {
      this.sql.exec("UPDATE read_markers SET copied_seq = ? WHERE user_id = ?", m.seq, m.user_id);
    }
  }

  get pending(): number {
    return this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM read_markers WHERE seq > copied_seq").one()
      .n;
  }
}
