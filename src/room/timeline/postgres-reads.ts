import { and, asc, count, desc, eq, gt, lt } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { Db } from "../../db/client";
import { messages, users } from "../../db/schema";
import { type EventRow, fromPostgres, toTimelineEvent } from "../../domain/event-rows";
import type { TimelineEvent } from "../../protocol";

export type HistoryWindow = { limit: number; after?: number | undefined; before?: number | undefined };

const target = alias(messages, "target");

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
    .select({ m: messages, username: users.username, current: target.content })
    .from(messages)
    .leftJoin(users, eq(users.id, messages.userId))
    .leftJoin(target, eq(target.id, messages.targetId))
    .where(and(eq(messages.roomId, roomId), bound, messagesOnly ? eq(messages.kind, "message") : undefined))
    .orderBy(forward ? asc(messages.seq) : desc(messages.seq))
    .limit(w.limit);
  if (!forward) rows.reverse();
  return rows.map(({ m, username, current }) =>
    toTimelineEvent(roomId, fromPostgres(m, username), { content: current }),
  );
}

/** One message (kind `message`) of a room from PostgreSQL. */
export async function findMessage(db: Db, roomId: number, id: string): Promise<EventRow | undefined> {
  const [row] = await db
    .select({ m: messages, username: users.username })
    .from(messages)
    .leftJoin(users, eq(users.id, messages.userId))
    .where(and(eq(messages.roomId, roomId), eq(messages.id, id), eq(messages.kind, "message")))
    .limit(1);
  return row ? fromPostgres(row.m, row.username) : undefined;
}

/** How many of a room's events PostgreSQL holds with `after < seq < before`: a resume's gap check, one indexed count. */
export async function countTimeline(db: Db, roomId: number, after: number, before: number): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(messages)
    .where(and(eq(messages.roomId, roomId), gt(messages.seq, after), lt(messages.seq, before)));
  return Number(row?.n ?? 0);
}
