/**
 * One webhook endpoint's place in the room's timeline, in the courier's SQLite: the last seq it
 * acknowledged and, while one is being delivered, that delivery's exact id and body. Keeping the
 * pending body means every retry sends identical bytes, even after an eviction or a restart.
 */
export type Cursor = {
  endpoint_id: string;
  seq: number;
  attempt: number;
  next_at: number;
  failing_since: number | null;
  pending_seq: number | null;
  pending_id: string | null;
  pending_body: string | null;
  last_error: string | null;
};

export class Cursors {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS cursors (
      endpoint_id TEXT PRIMARY KEY, seq INTEGER NOT NULL, attempt INTEGER NOT NULL DEFAULT 0,
      next_at INTEGER NOT NULL DEFAULT 0, failing_since INTEGER, pending_seq INTEGER,
      pending_id TEXT, pending_body TEXT, last_error TEXT)`);
    sql.exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)");
  }

  all(): Cursor[] {
    return this.sql.exec<Cursor>("SELECT * FROM cursors").toArray();
  }

  /** Whether any endpoint has a cursor (an endpoint without one is not delivered to). */
  any(): boolean {
    return this.sql.exec("SELECT 1 FROM cursors LIMIT 1").toArray().length > 0;
  }

  get(id: string): Cursor | undefined {
    return this.sql.exec<Cursor>("SELECT * FROM cursors WHERE endpoint_id = ?", id).toArray()[0];
  }

  /** Starts (or restarts) an endpoint after `seq`: nothing pending, no failure. */
  reset(id: string, seq: number) {
    this.sql.exec(
      `INSERT INTO cursors (endpoint_id, seq) VALUES (?, ?) ON CONFLICT (endpoint_id) DO UPDATE SET
       seq = excluded.seq, attempt = 0, next_at = 0, failing_since = NULL, pending_seq = NULL,
       pending_id = NULL, pending_body = NULL, last_error = NULL`,
      id,
      seq,
    );
  }

  save(c: Cursor) {
    this.sql.exec(
      `UPDATE cursors SET seq = ?, attempt = ?, next_at = ?, failing_since = ?, pending_seq = ?,
       pending_id = ?, pending_body = ?, last_error = ? WHERE endpoint_id = ?`,
      c.seq,
      c.attempt,
      c.next_at,
      c.failing_since,
      c.pending_seq,
      c.pending_id,
      c.pending_body,
      c.last_error,
      c.endpoint_id,
    );
  }

  remove(id: string) {
    this.sql.exec("DELETE FROM cursors WHERE endpoint_id = ?", id);
  }

  meta(key: string): number | null {
    return (
      this.sql.exec<{ value: number }>("SELECT value FROM meta WHERE key = ?", key).toArray()[0]?.value ??
      null
    );
  }

  setMeta(key: string, value: number) {
    this.sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", key, value);
  }
}
