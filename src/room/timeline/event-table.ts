import type { EventRow } from "../../domain/event-rows";

/** The room's SQLite tables of its timeline: `meta` (counters, cursor, epoch) and the events. */
export const SCHEMA = `
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    target_id TEXT,
    user_id INTEGER NOT NULL,
    username TEXT NOT NULL,
    content TEXT,
    client_id TEXT,
    created_at INTEGER NOT NULL,
    edited_at INTEGER,
    deleted_at INTEGER,
    reply_to TEXT,
    data TEXT
  );
  CREATE UNIQUE INDEX IF NOT EXISTS events_client ON events (user_id, client_id) WHERE client_id IS NOT NULL;
  CREATE INDEX IF NOT EXISTS events_target ON events (target_id) WHERE target_id IS NOT NULL;
`;

/**
 * Event rows read as arrays (`cursor.raw()`) and named in JavaScript: the runtime builds a row
 * object property by property, which made reading a copy's 500 rows the largest part of the
 * copy's own JavaScript (issue 25, bench/probes/copy-cpu.ts).
 */
export const ROW_COLUMNS =
  "seq, id, kind, target_id, user_id, username, content, client_id, created_at, edited_at, deleted_at, reply_to, data";

/** A row read in ROW_COLUMNS' order. */
export const fromRaw = (r: SqlStorageValue[]): EventRow => ({
  seq: r[0] as number,
  id: r[1] as string,
  kind: r[2] as EventRow["kind"],
  target_id: r[3] as string | null,
  user_id: r[4] as number,
  username: r[5] as string,
  content: r[6] as string | null,
  client_id: r[7] as string | null,
  created_at: r[8] as number,
  edited_at: r[9] as number | null,
  deleted_at: r[10] as number | null,
  reply_to: r[11] as string | null,
  data: r[12] as string | null,
});
