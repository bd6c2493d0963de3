import { ulid } from "ulidx";
import type { InboxEvent, InboxNotice } from "../protocol";

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS inbox_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS inbox_events (seq INTEGER PRIMARY KEY, frame TEXT NOT NULL);
`;

export type ResumeDecision = { recovered: boolean | null; events: string[] };

/**
 * The user's own timeline: every notice gets the next `seq` (1, 2, 3 …) and is stored in the
 * object's SQLite before any socket sees it, like a room's events. Only the newest `keep` events
 * are kept: a resume from further back is answered `recovered: false` (refetch the lists), never
 * with part of the gap. The `epoch` is minted once; a wiped storage mints another, so a client
 * resuming against a different timeline is told so.
 */
export class InboxLog {
  private last = 0;
  private first = 1;
  private epochValue = "";

  constructor(
    private readonly sql: SqlStorage,
    private readonly keep: number,
  ) {
    sql.exec(SCHEMA);
    const epoch = sql
      .exec<{ value: string }>("SELECT value FROM inbox_meta WHERE key = 'epoch'")
      .toArray()[0];
    if (epoch) this.epochValue = epoch.value;
    else {
      this.epochValue = ulid();
      sql.exec("INSERT INTO inbox_meta (key, value) VALUES ('epoch', ?)", this.epochValue);
    }
    const bounds = sql
      .exec<{ lo: number | null; hi: number | null }>(
        "SELECT min(seq) AS lo, max(seq) AS hi FROM inbox_events",
      )
      .one();
    this.last = bounds.hi ?? 0;
    this.first = bounds.lo ?? this.last + 1;
  }

  get epoch(): string {
    return this.epochValue;
  }

  get lastSeq(): number {
    return this.last;
  }

  /** Stores a notice as the next event and returns it serialised, ready to send. */
  append(notice: InboxNotice): string {
    const seq = ++this.last;
    const data = JSON.stringify({ ...notice, seq } satisfies InboxEvent);
    // The newest event is never trimmed, so the table itself says where the sequence stands.
    this.sql.exec("INSERT INTO inbox_events (seq, frame) VALUES (?, ?)", seq, data);
    if (seq - this.first >= this.keep) {
      this.first = seq - this.keep + 1;
      this.sql.exec("DELETE FROM inbox_events WHERE seq < ?", this.first);
    }
    return data;
  }

  /** Whether a resume from `since` (in `epoch`) can be served whole, and the events it replays. */
  resume(since: number | null, epoch: string | null): ResumeDecision {
    if (since === null) return { recovered: null, events: [] };
    const servable =
      Number.isSafeInteger(since) &&
      since >= 0 &&
      since <= this.last &&
      since >= this.first - 1 &&
      (epoch === null || epoch === this.epochValue);
    if (!servable) return { recovered: false, events: [] };
    const rows = this.sql
      .exec<{ frame: string }>("SELECT frame FROM inbox_events WHERE seq > ? ORDER BY seq", since)
      .toArray();
    return { recovered: true, events: rows.map((r) => r.frame) };
  }
}
