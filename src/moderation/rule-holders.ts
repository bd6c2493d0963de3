/** How long a room trusts its copy of the global filter list without reading it again. */
export const GLOBAL_RULES_MAX_AGE_MS = 30_000;

/**
 * Which rooms hold a copy of the global filter list young enough to be used without reading it
 * again (`GLOBAL_RULES_MAX_AGE_MS`): kept by the deployment's registry object (the gauges object,
 * metrics/gauges-object.ts, which already knows the live rooms), so that a change to the global
 * list is pushed to exactly those rooms. A room registers *before* it reads the list, so a room
 * that read the old list is always among those told.
 */
export class RuleHolders {
  constructor(
    private readonly sql: SqlStorage,
    private readonly maxAgeMs: number,
  ) {
    sql.exec("CREATE TABLE IF NOT EXISTS rule_holders (room_id INTEGER PRIMARY KEY, at INTEGER NOT NULL)");
  }

  /** `roomId` is about to read the rules. */
  hold(roomId: number) {
    this.sql.exec("INSERT OR REPLACE INTO rule_holders (room_id, at) VALUES (?, ?)", roomId, Date.now());
  }

  /** The rooms whose copy may still be in use (newest first, at most `limit`); older entries go. */
  current(limit: number): number[] {
    const since = Date.now() - this.maxAgeMs;
    this.sql.exec("DELETE FROM rule_holders WHERE at < ?", since);
    return this.sql
      .exec<{ room_id: number }>("SELECT room_id FROM rule_holders ORDER BY at DESC LIMIT ?", limit)
      .toArray()
      .map((r) => r.room_id);
  }
}
