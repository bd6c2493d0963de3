/**
 * Where a live copy in the room's storage (reaction totals, thread counters) starts: messages up
 * to this seq may have state only PostgreSQL knows, because they were sent before the copy
 * existed. Recorded when the room loads; only the first call counts. Each copy keeps its mark in
 * its own table, so that wiping one (a reset) never moves the other's.
 */
export class LiveSince {
  /** The mark as last read: it changes only through `load` and `start`, which forget it. */
  private known: number | undefined;

  constructor(
    private readonly sql: SqlStorage,
    private readonly table: "reactions_meta" | "threads_meta",
  ) {}

  /** Creates the table (again, after the room's storage was wiped). */
  load() {
    this.known = undefined;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS ${this.table} (key TEXT PRIMARY KEY, value INTEGER NOT NULL)`);
  }

  start(lastSeq: number) {
    this.known = undefined;
    this.sql.exec(`INSERT OR IGNORE INTO ${this.table} (key, value) VALUES ('since', ?)`, lastSeq);
  }

  /**
   * The mark; every message before `start` (all of them, until it is called). Kept in memory once
   * read: a history page asks it once per message, and each read was a statement of its own.
   */
  get seq(): number {
    if (this.known !== undefined) return this.known;
    const row = this.sql
      .exec<{ value: number }>(`SELECT value FROM ${this.table} WHERE key = 'since'`)
      .toArray()[0];
    this.known = row?.value ?? Number.MAX_SAFE_INTEGER;
    return this.known;
  }
}

/**
 * A live copy kept in the room's storage (reaction totals, thread counters): its tables, and the
 * mark before which PostgreSQL answers for messages the copy never saw.
 */
export abstract class LiveCopy {
  private readonly mark: LiveSince;

  constructor(
    protected readonly sql: SqlStorage,
    table: ConstructorParameters<typeof LiveSince>[1],
    private readonly schema: string,
  ) {
    this.mark = new LiveSince(sql, table);
    this.reset();
  }

  /** Creates the tables (again, after the room's storage was wiped). */
  reset() {
    this.sql.exec(this.schema);
    this.mark.load();
  }

  /** Records where this copy starts (see `LiveSince`). */
  start(lastSeq: number) {
    this.mark.start(lastSeq);
  }

  /** Messages up to this seq may have state only PostgreSQL knows. */
  protected get since(): number {
    return this.mark.seq;
  }
}
