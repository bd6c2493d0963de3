import { and, eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { userBlocks } from "../db/people-schema";

/** Most users one user may block (every repeatable action is bounded). */
export const MAX_BLOCKS_PER_USER = 1000;

export async function blockedBy(db: Db, userId: number): Promise<number[]> {
  const rows = await db
    .select({ id: userBlocks.blockedId })
    .from(userBlocks)
    .where(eq(userBlocks.blockerId, userId))
    .limit(MAX_BLOCKS_PER_USER);
  return rows.map((r) => r.id);
}

/** Writes a block (or removes it); true when something changed. */
export async function writeBlock(db: Db, blockerId: number, blockedId: number, on: boolean) {
  const rows = on
    ? await db.insert(userBlocks).values({ blockerId, blockedId }).onConflictDoNothing().returning()
    : await db
        .delete(userBlocks)
        .where(and(eq(userBlocks.blockerId, blockerId), eq(userBlocks.blockedId, blockedId)))
        .returning();
  return rows.length > 0;
}
