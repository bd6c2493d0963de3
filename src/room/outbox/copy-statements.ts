import { and, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { uploads } from "../../db/files-schema";
import { messageReactions, messages, roomMembers, rooms, users } from "../../db/schema";
import { dataOf, type EventRow } from "../../domain/event-rows";
import type { CopyBatch } from "../timeline/copy-batch";
import type { ReadMarker } from "../timeline/read-markers";

type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];

/** The room's row is gone: the room was deleted (the only way "room gone" is ever decided). */
export class RoomGone extends Error {}

/**
 * The outbox's statements. One batch is one statement, or one transaction when it holds events
 * that change other rows: lock the room's row and the authors' rows and insert the events
 * (`ON CONFLICT (room_id, seq) DO NOTHING RETURNING`) in one statement, then apply what the rows
 * actually inserted change. A batch of plain messages (a busy room's usual batch) is that one
 * statement in its own implicit transaction: one round trip instead of five (`BEGIN`, two locks,
 * the insert, `COMMIT`), each a parse and plan in PostgreSQL and a frame each way through the
 * driver (issue 25). A batch retried after a lost acknowledgement changes nothing.
 * Returns the authors whose accounts no longer exist (their events are recorded as nobody's) and
 * whether deleted messages' files were queued for deletion (their rows go in this transaction).
 */
export async function copyBatch(db: Db, roomId: number, batch: CopyBatch) {
  const { authorIds } = batch;
  const gone = (authors: Set<number>) => authorIds.filter((id) => !authors.has(id));
  if (batch.changes.length === 0) {
    const { authors } = await lockAndInsert(db, roomId, batch.json);
    return { goneAuthors: gone(authors), filesQueued: false };
  }
  return db.transaction(async (tx) => {
    const { authors, fresh } = await lockAndInsert(tx, roomId, batch.json);
    // Only events that change other rows come back (a message changes nothing else).
    const inserted = batch.changes.filter((e) => fresh.has(e.id));
    await applyAnnotations(tx, roomId, inserted, authors);
    const filesQueued = await applyChanges(tx, roomId, inserted);
    return { goneAuthors: gone(authors), filesQueued };
  });
}

/**
 * Locks the room's row and its authors' rows (`key share`: neither can be deleted until this batch
 * is in; no room row: the room was deleted, nothing is inserted) and inserts the batch's events;
 * returns the authors locked and the ids actually inserted (not already there) of the events
 * that change other rows (edits, deletes, reactions, thread counters): a message changes nothing
 * else, so its id is not sent back. The rows go as one JSON parameter (`jsonb_to_recordset`), not
 * as 15 bound values per row (≈ 25 µs of the room's CPU per event with the query builder), built
 * by the room's SQLite (`timeline/copy-batch.ts`) and sent as UTF-8 bytes (a binary `text`
 * parameter: a string the Neon driver would encode twice). Times come as epoch milliseconds; an
 * author whose account is gone (not locked) is recorded as null, and without the files, which went
 * with the account: the batch may have been read before the room heard of the deletion
 * (`Timeline.forgetAuthor` does the same to the room's rows), while the account's own deletion
 * strips only the rows PostgreSQL already had (domain/users.ts). The room's lock comes first (the
 * authors' waits for it: a deletion of an account is not held up by a copy that waits for its
 * room), the authors' as their rows are joined, before the insert's foreign keys are checked.
 */
async function lockAndInsert(q: Db | Tx, roomId: number, json: Uint8Array) {
  const result = await q.execute<{ room: number; authors: number[]; fresh: string[] }>(sql`
    with r as materialized (
      select * from jsonb_to_recordset(${json}::text::jsonb) as r(id text, seq bigint, kind text,
        target_id text, user_id int, content text, client_id text, created_at bigint,
        edited_at bigint, deleted_at bigint, reply_to text, data text, mentions int[])),
    room as (select ${rooms.id} from ${rooms} where ${rooms.id} = ${roomId} for key share),
    authors as (
      select ${users.id} from ${users}
      where exists (select 1 from room) and ${users.id} in (select user_id from r) for key share),
    inserted as (
      insert into ${messages} (id, room_id, seq, kind, target_id, user_id, content, client_id,
        created_at, edited_at, deleted_at, reply_to, data, mentions)
      select r.id, ${roomId}::int, r.seq, r.kind, r.target_id, a.id, r.content, r.client_id,
        to_timestamp(r.created_at / 1000.0), to_timestamp(r.edited_at / 1000.0),
        to_timestamp(r.deleted_at / 1000.0), r.reply_to,
        case when a.id is null then r.data::jsonb - 'attachments' else r.data::jsonb end, r.mentions
      from r left join authors a on a.id = r.user_id
      where exists (select 1 from room)
      order by r.seq
      on conflict (room_id, seq) do nothing
      returning id, kind)
    select (select count(*) from room)::int as room, array(select id from authors) as authors,
      array(select id from inserted where kind <> 'message') as fresh`);
  const row = result.rows[0];
  if (!row || row.room === 0) throw new RoomGone();
  return { authors: new Set(row.authors), fresh: new Set(row.fresh) };
}

/**
 * Edits and deletes applied to their messages: the last per message only (a delete wins). A
 * deleted message's uploads are deleted with it (the trigger queues their blobs); true if any.
 */
async function applyChanges(tx: Tx, roomId: number, rows: EventRow[]): Promise<boolean> {
  const changes = lastChangePerMessage(rows);
  for (const change of changes) {
    const target = and(eq(messages.roomId, roomId), eq(messages.id, change.target_id ?? ""));
    const at = new Date(change.created_at);
    if (change.kind === "edit") {
      await tx.update(messages).set({ content: change.content, editedAt: at }).where(target);
    } else {
      await tx
        .update(messages)
        .set({ content: null, deletedAt: sql`coalesce(${messages.deletedAt}, ${at})` })
        .where(target);
    }
  }
  const deleted = changes.filter((c) => c.kind === "delete").map((c) => c.target_id ?? "");
  if (deleted.length === 0) return false;
  const gone = await tx
    .delete(uploads)
    .where(and(eq(uploads.roomId, roomId), inArray(uploads.messageId, deleted)))
    .returning({ id: uploads.id });
  return gone.length > 0;
}

function lastChangePerMessage(rows: EventRow[]): EventRow[] {
  const last = new Map<string, EventRow>();
  for (const e of rows) {
    if ((e.kind !== "edit" && e.kind !== "delete") || !e.target_id) continue;
    if (last.get(e.target_id)?.kind !== "delete") last.set(e.target_id, e);
  }
  return [...last.values()];
}

/**
 * Reactions and thread counters of the newly inserted events, in seq order: each reaction event
 * adds or removes its row (authors whose accounts are gone have none), each thread event sets its
 * root's counters (`greatest`, so a replay or a late batch never moves them back). A hidden
 * reaction or counter (`shadow`: a shadow-banned user's) is left out: PostgreSQL's totals are
 * what everyone sees (the room keeps the author's own view).
 */
async function applyAnnotations(tx: Tx, roomId: number, rows: EventRow[], authors: Set<number>) {
  for (const e of rows) {
    if (!e.target_id || e.user_id === null) continue;
    const data = dataOf(e);
    if (e.kind === "reaction" && data.key !== undefined && authors.has(e.user_id)) {
      const row = { roomId, messageId: e.target_id, userId: e.user_id, key: data.key };
      if (data.on) {
        if (data.shadow) continue;
        await tx
          .insert(messageReactions)
          .values({ ...row, createdAt: new Date(e.created_at) })
          .onConflictDoNothing();
      } else {
        await tx
          .delete(messageReactions)
          .where(
            and(
              eq(messageReactions.messageId, row.messageId),
              eq(messageReactions.userId, row.userId),
              eq(messageReactions.key, row.key),
            ),
          );
      }
    } else if (e.kind === "thread" && !data.shadow) {
      await tx
        .update(messages)
        .set({
          replyCount: sql`greatest(${messages.replyCount}, ${data.reply_count ?? 0})`,
          lastReplyAt: sql`greatest(${messages.lastReplyAt}, ${new Date(data.last_reply_at ?? e.created_at).toISOString()}::timestamptz)`,
        })
        .where(and(eq(messages.roomId, roomId), eq(messages.id, e.target_id)));
    }
  }
}

/** Read markers only move forward: `greatest` makes the copy idempotent and order-free. */
export async function copyReadMarkers(db: Db, roomId: number, markers: ReadMarker[]) {
  const values = sql.join(
    markers.map((m) => sql`(${m.user_id}::int, ${m.seq}::bigint)`),
    sql`, `,
  );
  await db.execute(sql`
    update ${roomMembers} set last_read_seq = greatest(${roomMembers.lastReadSeq}, v.seq)
    from (values ${values}) as v(user_id, seq)
    where ${roomMembers.roomId} = ${roomId} and ${roomMembers.userId} = v.user_id`);
}
