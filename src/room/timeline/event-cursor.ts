import type { EventRow } from "../../domain/event-rows";

/** The events table's columns, in the order `eventRows` reads them (`SELECT ${EVENT_COLUMNS} FROM events …`). */
export const EVENT_COLUMNS =
  "seq, id, kind, target_id, user_id, username, content, client_id, created_at, edited_at, deleted_at, reply_to, data";

type RawEvent = [
  number,
  string,
  EventRow["kind"],
  string | null,
  number,
  string,
  string | null,
  string | null,
  number,
  number | null,
  number | null,
  string | null,
  string | null,
];

/**
 * Event rows read as arrays and made objects here: the runtime's own row objects name every
 * column of every row, which costs a history page of 50 more than its SQL (issue 25's profile).
 */
export function eventRows(cursor: SqlStorageCursor<Record<string, SqlStorageValue>>): EventRow[] {
  const out: EventRow[] = [];
  for (const r of cursor.raw<RawEvent>()) {
    const [seq, id, kind, target_id, user_id, username, content, client_id, created_at] = r;
    const [edited_at, deleted_at, reply_to, data] = [r[9], r[10], r[11], r[12]];
    out.push({
      seq,
      id,
      kind,
      target_id,
      user_id,
      username,
      content,
      client_id,
      created_at,
      edited_at,
      deleted_at,
      reply_to,
      data,
    });
  }
  return out;
}
