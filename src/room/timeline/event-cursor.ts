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

/** Every column of an event row, in the order `eventRows` reads them. */
export const EVENT_COLUMNS =
  "seq, id, kind, target_id, user_id, username, content, client_id, created_at, edited_at, deleted_at, reply_to, data";

/** Event rows of any kind read as arrays (a copy's 500, a replay's): as `messageRows`, same reason. */
export function eventRows(cursor: SqlStorageCursor<Record<string, SqlStorageValue>>): EventRow[] {
  return Array.from(cursor.raw(), (r) => ({
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
  }));
}
