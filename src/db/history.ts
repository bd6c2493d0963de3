import { and, asc, desc, eq, gt, lt } from "drizzle-orm";
import type { MessageEvent } from "../room/protocol";
import type { Db } from "./client";
import { messages, users } from "./schema";

export type HistoryWindow = { limit: number; after?: number | undefined; before?: number | undefined };

/**
 * Messages of a room from PostgreSQL in their current state (edited text, deleted as tombstone),
 * as timeline events. `after` reads forward from a seq; otherwise the newest before `before`.
 * Always returned oldest first.
 */
export async function readHistory(db: Db, roomId: number, w: HistoryWindow): Promise<MessageEvent[]> {
  const forward = w.after !== undefined;
  const bound = forward
    ? gt(messages.seq, w.after ?? 0)
    : w.before === undefined
      ? undefined
      : lt(messages.seq, w.before);
  const rows = await db
    .select({ m: messages, username: users.username })
    .from(messages)
    .leftJoin(users, eq(users.id, messages.userId))
    .where(and(eq(messages.roomId, roomId), bound))
    .orderBy(forward ? asc(messages.seq) : desc(messages.seq))
    .limit(w.limit);
  if (!forward) rows.reverse();
  return rows.map(({ m, username }) => ({
    type: "message",
    room_id: m.roomId,
    seq: m.seq,
    id: m.id,
    user_id: m.userId ?? 0,
    username: username ?? "",
    content: m.deletedAt ? null : m.content,
    client_id: m.clientId,
    created_at: m.createdAt.toISOString(),
    edited_at: m.editedAt?.toISOString() ?? null,
    deleted: m.deletedAt !== null,
  }));
}
