import type { EventRow } from "../../domain/event-rows";

/**
 * The columns a message row needs, in the order `messageRows` reads them
 * (`SELECT ${MESSAGE_COLUMNS} FROM events WHERE kind = 'message' …`): a message has no target.
 */
export const MESSAGE_COLUMNS =
  "seq, id, user_id, username, content, client_id, created_at, edited_at, deleted_at, reply_to, data";

type RawMessage = [
  number,
  string,
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
 * Message rows read as arrays and made objects here: the runtime's own row objects name every
 * column of every row, which costs a history page of 50 more than its SQL (issue 25's profile).
 */
export function messageRows(cursor: SqlStorageCursor<Record<string, SqlStorageValue>>): EventRow[] {
  const out: EventRow[] = [];
  for (const r of cursor.raw<RawMessage>()) {
    const [seq, id, user_id, username, content, client_id, created_at, edited_at, deleted_at] = r;
    out.push({
      seq,
      id,
      kind: "message",
      target_id: null,
      user_id,
      username,
      content,
      client_id,
      created_at,
      edited_at,
      deleted_at,
      reply_to: r[9],
      data: r[10],
    });
  }
  return out;
}
