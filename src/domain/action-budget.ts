import { sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { actionCounts } from "../db/schema";
import { AppError } from "../errors";

const HOUR_MS = 60 * 60 * 1000;

/**
 * A fixed one-hour window per key in PostgreSQL, for REST actions that are cheap to ask for and
 * costly to serve (a signup hashes a password, a room or DM is a row and an object for good).
 * Counted before the work, in one statement, so parallel requests cannot slip past the limit;
 * over it: 429 with the code of the action and Retry-After until the window ends.
 *
 * @example await spend(db, `signup:${address}`, config.SIGNUPS_PER_ADDRESS_PER_HOUR, "too_many_signups")
 */
export async function spend(db: Db, key: string, limit: number, code: string): Promise<void> {
  const fresh = sql`${actionCounts.windowStart} < now() - interval '1 hour'`;
  const [row] = await db
    .insert(actionCounts)
    .values({ key, count: 1 })
    .onConflictDoUpdate({
      target: actionCounts.key,
      set: {
        count: sql`case when ${fresh} then 1 else ${actionCounts.count} + 1 end`,
        windowStart: sql`case when ${fresh} then now() else ${actionCounts.windowStart} end`,
      },
    })
    .returning({ count: actionCounts.count, windowStart: actionCounts.windowStart });
  if (row && row.count > limit) {
    const retryAfterMs = Math.max(1000, row.windowStart.getTime() + HOUR_MS - Date.now());
    throw Object.assign(new AppError(code, 429, `Limit of ${limit} per hour reached; try again later`), {
      retryAfterMs,
    });
  }
}
