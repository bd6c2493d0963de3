import { sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { rowsOf, SWEEP_BATCH } from "./sweep";

/**
 * Longer than a claim can take to be appended: the room claims, then (after the claim's round
 * trip and, for a reply or mentions, a few reads) sequences the message in the same send.
 */
export const CLAIM_APPEND_SECONDS = 60;
/** A claim whose message is still not in PostgreSQL after this is given up on (below). */
export const CLAIM_GIVE_UP_SECONDS = 24 * 3600;

/**
 * The room claims uploads for a message before it appends it; if the room stops in between (a
 * crash, an eviction), the message never exists and the claim would hold the upload, and its
 * quota, forever. So a claim counts as confirmed only once its message is in PostgreSQL (marked
 * here, by the sweeper). An unconfirmed claim is released (the upload is unattached again, and
 * the sweep deletes it once it is past its TTL) when its message is not in PostgreSQL although
 *  - the room's latest message in PostgreSQL was sequenced more than CLAIM_APPEND_SECONDS after
 *    the claim: the copy runs in seq order, so the claimed message, had it been appended, would
 *    be there too (a message PostgreSQL refused for good is not in the record either); or
 *  - CLAIM_GIVE_UP_SECONDS have passed (a room that has been quiet since).
 * Returns how many claims were released.
 */
export async function settleClaims(db: Db, limit = SWEEP_BATCH): Promise<number> {
  await db.execute(sql`
    update uploads u set confirmed_at = now()
    where u.id in (
      select c.id from uploads c
      where c.message_id is not null and c.confirmed_at is null
        and exists (select 1 from messages m where m.id = c.message_id)
      order by c.attached_at limit ${limit} for update skip locked)`);
  const released = await db.execute(sql`
    update uploads set room_id = null, message_id = null, attached_at = null
    where id in (
      select c.id from uploads c
      where c.message_id is not null and c.confirmed_at is null
        and c.attached_at < now() - make_interval(secs => ${CLAIM_APPEND_SECONDS})
        and not exists (select 1 from messages m where m.id = c.message_id)
        and (c.attached_at < now() - make_interval(secs => ${CLAIM_GIVE_UP_SECONDS})
          or (select m.created_at from messages m where m.room_id = c.room_id order by m.seq desc limit 1)
            > c.attached_at + make_interval(secs => ${CLAIM_APPEND_SECONDS}))
      order by c.attached_at limit ${limit} for update skip locked)
    returning id`);
  return rowsOf(released).length;
}

/** When the oldest unconfirmed claim is given up on (ms since epoch), or null when there is none. */
export async function nextGiveUp(db: Db): Promise<number | null> {
  const [row] = rowsOf<{ oldest: string | null }>(
    await db.execute(
      sql`select min(attached_at)::text as oldest from uploads where message_id is not null and confirmed_at is null`,
    ),
  );
  return row?.oldest ? Date.parse(row.oldest) + CLAIM_GIVE_UP_SECONDS * 1000 : null;
}
