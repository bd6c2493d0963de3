import type { EventRow } from "../../domain/event-rows";
import { EVENT_COLUMNS, eventRows } from "./event-cursor";

/** One batch of the copy to PostgreSQL (`outbox/copy-statements.ts`), read by SQLite. */
export type CopyBatch = {
  /** The seqs of its first and last event, and how many events it holds. */
  first: number;
  last: number;
  size: number;
  /** Its events as PostgreSQL takes them: a JSON array, as UTF-8 bytes, built by SQLite. */
  json: Uint8Array;
  /** Its authors (a forgotten author's id is negative in the room: not among them). */
  authorIds: number[];
  /** Its events that change other rows (edits, deletes, reactions, thread counters), read whole. */
  changes: EventRow[];
  /** The users its messages mention. */
  mentions: number[];
};

/**
 * A message's text in a copy: an edit's row keeps none (the message row holds the current text);
 * its mentions from its data (an event's data is JSON our code wrote; should it be malformed,
 * the row goes with none, and PostgreSQL, which parses `data` too, refuses it: set aside).
 */
const ROW_JSON = `json_object('id', id, 'seq', seq, 'kind', kind, 'target_id', target_id,
  'user_id', CASE WHEN user_id > 0 THEN user_id END,
  'content', CASE WHEN kind = 'edit' THEN NULL ELSE content END, 'client_id', client_id,
  'created_at', created_at, 'edited_at', edited_at, 'deleted_at', deleted_at, 'reply_to', reply_to,
  'data', data,
  'mentions', json(CASE WHEN kind = 'message' AND json_valid(data) THEN data -> '$.mentions' END))`;

const MENTIONS = `json_each(CASE WHEN b.kind = 'message' AND json_valid(b.data) THEN b.data END, '$.mentions')`;

/**
 * SQLite builds the whole JSON parameter (one string, handed over as bytes): reading 500 rows into
 * objects, mapping them and `JSON.stringify` were most of the copy's JavaScript (issue 25).
 */
const BATCH = `WITH b AS (SELECT * FROM events WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?)
  SELECT count(*), min(seq), max(seq), sum(kind <> 'message'),
    CAST(json_group_array(${ROW_JSON}) AS BLOB),
    (SELECT json_group_array(DISTINCT user_id) FROM b WHERE user_id > 0),
    (SELECT json_group_array(DISTINCT m.value) FROM b, ${MENTIONS} AS m)
  FROM b`;

type Summary = [number, number | null, number | null, number | null, ArrayBuffer, string, string];

/** The first `limit` events after seq `after` up to seq `upTo`, oldest first; null if none. */
export function readCopyBatch(
  sql: Pick<SqlStorage, "exec">,
  after: number,
  limit: number,
  upTo = Number.MAX_SAFE_INTEGER,
): CopyBatch | null {
  const [size, first, last, changed, json, authors, mentions] = sql
    .exec(BATCH, after, upTo, limit)
    .raw<Summary>()
    .next().value as Summary;
  if (size === 0 || first === null || last === null) return null;
  const changes =
    (changed ?? 0) === 0
      ? []
      : eventRows(
          sql.exec(
            `SELECT ${EVENT_COLUMNS} FROM events WHERE seq >= ? AND seq <= ? AND kind <> 'message' ORDER BY seq`,
            first,
            last,
          ),
        );
  return {
    first,
    last,
    size,
    json: new Uint8Array(json),
    authorIds: JSON.parse(authors) as number[],
    changes,
    mentions: JSON.parse(mentions) as number[],
  };
}
