import { and, asc, desc, eq, gt, lt, sql } from "drizzle-orm";
import { ulid } from "ulidx";
import type { Db } from "../db/client";
import { type MessageRow, messages, rooms, type UserRow } from "../db/schema";
import { roomFor } from "./rooms";

export type HistoryQuery = { limit: number; before?: number | undefined; after?: number | undefined };

/**
 * A page of a room's history, oldest first. `before=<seq>` pages back from there (default: the
 * newest messages); `after=<seq>` pages forward.
 */
export async function listMessages(
  db: Db,
  user: UserRow,
  roomId: number,
  q: HistoryQuery,
): Promise<MessageRow[]> {
  await roomFor(db, user, roomId);
  if (q.after !== undefined) {
    return db
      .select()
      .from(messages)
      .where(and(eq(messages.roomId, roomId), gt(messages.seq, q.after)))
      .orderBy(asc(messages.seq))
      .limit(q.limit);
  }
  const rows = await db
    .select()
    .from(messages)
    .where(and(eq(messages.roomId, roomId), q.before === undefined ? undefined : lt(messages.seq, q.before)))
    .orderBy(desc(messages.seq))
    .limit(q.limit);
  return rows.reverse();
}

export async function postMessage(
  db: Db,
  user: UserRow,
  roomId: number,
  content: string,
  clientId?: string,
): Promise<MessageRow> {
  await roomFor(db, user, roomId);
  return db.transaction(async (tx) => {
    // Locking the room row serialises writers of this room so seq has no gaps or duplicates.
    await tx.select({ id: rooms.id }).from(rooms).where(eq(rooms.id, roomId)).for("update");
    const [last] = await tx
      .select({ seq: sql<number>`coalesce(max(${messages.seq}), 0)`.mapWith(Number) })
      .from(messages)
      .where(eq(messages.roomId, roomId));
    const [row] = await tx
      .insert(messages)
      .values({
        id: ulid(),
        roomId,
        seq: (last?.seq ?? 0) + 1,
        userId: user.id,
        content,
        clientId: clientId ?? null,
      })
      .returning();
    if (!row) throw new Error("insert returned no row");
    return row;
  });
}
