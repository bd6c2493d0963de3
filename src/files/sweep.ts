import { sql } from "drizzle-orm";
import type { Db } from "../db/client";

/** Rows or blobs one sweep handles; a full batch schedules the next sweep at once. */
export const SWEEP_BATCH = 500;

export const rowsOf = <T>(result: unknown): T[] => (result as { rows: T[] }).rows;

/**
 * Deletes uploads never attached within `ttlSeconds`, oldest first (the trigger queues their
 * blobs). `message_id is null` is checked again on the rows themselves: an upload a room claims
 * meanwhile is locked by that claim and then no longer matches.
 */
export async function deleteExpired(db: Db, ttlSeconds: number, limit = SWEEP_BATCH): Promise<number> {
  const result = await db.execute(sql`
    delete from uploads where message_id is null and id in (
      select id from uploads
      where message_id is null and created_at < now() - make_interval(secs => ${ttlSeconds})
      order by created_at limit ${limit} for update skip locked)
    returning id`);
  return rowsOf(result).length;
}

/**
 * Deletes queued blobs from R2, then their queue rows. A blob deleted twice (a retry after R2
 * answered but PostgreSQL did not) is no error: R2's delete of a missing key succeeds.
 */
export async function drainBlobs(db: Db, bucket: R2Bucket, limit = SWEEP_BATCH): Promise<number> {
  const keys = rowsOf<{ key: string }>(
    await db.execute(sql`select key from blob_deletions order by enqueued_at limit ${limit}`),
  ).map((r) => r.key);
  if (keys.length === 0) return 0;
  await bucket.delete(keys);
  await db.execute(sql`delete from blob_deletions where key = any(${sql.param(keys)}::text[])`);
  return keys.length;
}

/** When the oldest unattached upload expires (ms since epoch), or null when there is none. */
export async function nextExpiry(db: Db, ttlSeconds: number): Promise<number | null> {
  const [row] = rowsOf<{ oldest: string | null }>(
    await db.execute(sql`select min(created_at)::text as oldest from uploads where message_id is null`),
  );
  return row?.oldest ? Date.parse(row.oldest) + ttlSeconds * 1000 : null;
}
