import { and, asc, desc, eq, gt, lt } from "drizzle-orm";
import type { TimelineEvent } from "../room/protocol";
import { type EventKind, type EventRow, toTimelineEvent } from "../room/timeline";
import type { Db } from "./client";
import { messages, users } from "./schema";

export type HistoryWindow = { limit: number; after?: number | undefined; before?: number | undefined };

/**
 * A room's timeline from PostgreSQL, oldest first, every event rendered with its message's
 * current state (edits applied, deleted text gone). `after` reads forward from a seq; otherwise
 * the newest before `before`. `messagesOnly` leaves out edit and delete events (REST history).
 */
export async function readTimeline(
  db: Db,
  roomId: number,
  w: HistoryWindow,
  messagesOnly = false,
): Promise<TimelineEvent[]> {
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
    .where(and(eq(messages.roomId, roomId), bound, messagesOnly ? eq(messages.kind, "message") : undefined))
    .orderBy(forward ? asc(messages.seq) : desc(messages.seq))
    .limit(w.limit);
  if (!forward) rows.reverse();
  return rows.map(({ m, username }) => toTimelineEvent(roomId, toEventRow(m, username)));
}

export function toEventRow(m: typeof messages.$inferSelect, username: string | null): EventRow {
  return {
    seq: m.seq,
    id: m.id,
    kind: m.kind as EventKind,
    target_id: m.targetId,
    user_id: m.userId ?? 0,
    username: username ?? "",
    content: m.content,
    client_id: m.clientId,
    created_at: m.createdAt.getTime(),
    edited_at: m.editedAt?.getTime() ?? null,
    deleted_at: m.deletedAt?.getTime() ?? null,
  };
}

/** One message (kind `message`) of a room from PostgreSQL. */
export async function findMessage(db: Db, roomId: number, id: string): Promise<EventRow | undefined> {
  const [row] = await db
    .select({ m: messages, username: users.username })
    .from(messages)
    .leftJoin(users, eq(users.id, messages.userId))
    .where(and(eq(messages.roomId, roomId), eq(messages.id, id), eq(messages.kind, "message")))
    .limit(1);
  return row ? toEventRow(row.m, row.username) : undefined;
}
