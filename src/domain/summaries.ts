import { and, count, desc, eq, gt, inArray, isNull, ne, not, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { messages, roomMembers, rooms, users } from "../db/schema";
import type { MessageEvent } from "../protocol";
import { quoteAs } from "../room";
import { fromPostgres, toMessageEvent } from "./event-rows";
import { blockedAuthor } from "./people";
import { notHiddenFrom } from "./search";

export type RoomSummary = { last_message: MessageEvent | null; unread_count: number; mention_count: number };

/**
 * For a page of rooms: the last message of each, how many messages from others the user has not
 * read (after their read marker, deletions and users they blocked excluded) and how many of those
 * mention them. Both
 * counts are derived from the read marker and the timeline each time, never kept as counters, so
 * they cannot drift or stick. Two queries for the whole page.
 */
export async function summarise(
  db: Db,
  userId: number,
  roomIds: number[],
): Promise<Map<number, RoomSummary>> {
  const out = new Map<number, RoomSummary>(
    roomIds.map((id) => [id, { last_message: null, unread_count: 0, mention_count: 0 }]),
  );
  if (roomIds.length === 0) return out;
  const [last, unread] = await Promise.all([
    lastMessages(db, userId, roomIds),
    unreadCounts(db, userId, roomIds),
  ]);
  for (const { m, username, quoteBlocked } of last) {
    const s = out.get(m.roomId);
    // Its quote as the user may see it now, as in the room (`quoteAs`).
    const reader = { id: userId, hides: () => quoteBlocked === true };
    if (s) s.last_message = quoteAs(toMessageEvent(m.roomId, fromPostgres(m, username)), reader);
  }
  for (const { roomId, n, mentions } of unread) {
    const s = out.get(roomId);
    if (s) {
      s.unread_count = Number(n);
      s.mention_count = Number(mentions);
    }
  }
  return out;
}

/** Each room's last message the user may see (not by someone they blocked). */
const lastMessages = (db: Db, userId: number, roomIds: number[]) =>
  db
    .selectDistinctOn([messages.roomId], {
      m: messages,
      username: users.username,
      quoteBlocked: blockedAuthor(userId, sql`(${messages.data}->'parent'->>'user_id')::int`),
    })
    .from(messages)
    .leftJoin(users, eq(users.id, messages.userId))
    .where(
      and(
        inArray(messages.roomId, roomIds),
        eq(messages.kind, "message"),
        notHiddenFrom(userId),
        not(blockedAuthor(userId, messages.userId)),
      ),
    )
    .orderBy(messages.roomId, desc(messages.seq));

const unreadCounts = (db: Db, userId: number, roomIds: number[]) =>
  db
    .select({
      roomId: roomMembers.roomId,
      n: count(messages.id),
      mentions: sql<number>`count(*) filter (where ${userId}::int = any(${messages.mentions}))`,
    })
    .from(roomMembers)
    .innerJoin(
      messages,
      and(
        eq(messages.roomId, roomMembers.roomId),
        gt(messages.seq, roomMembers.lastReadSeq),
        eq(messages.kind, "message"),
        isNull(messages.deletedAt),
        ne(messages.userId, roomMembers.userId),
        eq(messages.hidden, false),
        // Blocked authors count for nothing: neither unread nor their @mentions (README, People).
        not(blockedAuthor(userId, messages.userId)),
      ),
    )
    .where(and(eq(roomMembers.userId, userId), inArray(roomMembers.roomId, roomIds)))
    .groupBy(roomMembers.roomId);

/** Most recent activity first: the last message's time, or the room's creation. */
export const byActivity = desc(
  sql`coalesce((select max(${messages.createdAt}) from ${messages} where ${messages.roomId} = ${rooms.id}), ${rooms.createdAt})`,
);
