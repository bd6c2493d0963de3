import { and, eq, inArray } from "drizzle-orm";
import type { UserScope } from "../context";
import { roomMembers } from "../db/schema";
import type { MessageEvent, RoomHead } from "../protocol";
import { roomStub, unwrap } from "../room";
import { asSocketUser } from "./messages";
import { type RoomSummary, summarise } from "./summaries";

/**
 * A page of rooms as a conversation list shows them, with counts that never lag: the unread and
 * mention counts of every room I am a member of come from the room object itself (its own
 * timeline and read markers, `memberHead`), not from what PostgreSQL has copied so far; so does
 * the last message when PostgreSQL does not have it yet. One call per room, in parallel, besides
 * the two PostgreSQL queries of `summarise` (the last messages as stored, and the fallback for a
 * room whose object holds no timeline yet).
 */
export async function summariseLive(
  s: UserScope,
  roomIds: number[],
  /** My read marker per room I am a member of, as PostgreSQL has it, if the caller read it already. */
  floors?: Map<number, number>,
): Promise<Map<number, RoomSummary>> {
  const { db, user } = s;
  if (roomIds.length === 0) return new Map();
  const markers = floors
    ? [...floors].map(([roomId, floor]) => ({ roomId, floor }))
    : await db
        .select({ roomId: roomMembers.roomId, floor: roomMembers.lastReadSeq })
        .from(roomMembers)
        .where(and(eq(roomMembers.userId, user.id), inArray(roomMembers.roomId, roomIds)));
  const [stored, heads] = await Promise.all([
    summarise(db, user.id, roomIds),
    Promise.all(markers.map((m) => memberHead(s, m.roomId, m.floor))),
  ]);
  await Promise.all(
    heads.map(async (head) => {
      const summary = head && stored.get(head.room_id);
      if (!head || !summary) return;
      summary.unread_count = head.unread_count;
      summary.mention_count = head.mention_count;
      summary.last_message = await lastMessage(s, head, summary.last_message);
    }),
  );
  return stored;
}

async function memberHead(s: UserScope, roomId: number, floor: number): Promise<RoomHead | null> {
  try {
    return await roomStub(s.env, roomId).memberHead(roomId, s.user.id, floor);
  } catch (err) {
    console.warn("rooms list: a room did not answer; PostgreSQL's counts stand", roomId, err);
    return null;
  }
}

/** PostgreSQL's last message, unless the room has a newer one (or deleted it) that is not copied yet. */
async function lastMessage(s: UserScope, head: RoomHead, stored: MessageEvent | null) {
  const live = head.last_message;
  if (!live || (stored && stored.seq > live.seq)) return stored;
  const excerpt =
    stored && (stored.content === null ? null : stored.content.slice(0, live.excerpt?.length ?? 0));
  if (stored && stored.id === live.id && excerpt === live.excerpt) return stored;
  const page = await unwrap(
    roomStub(s.env, head.room_id).history(head.room_id, asSocketUser(s.user), {
      after: live.seq - 1,
      limit: 1,
    }),
  ).catch(() => []);
  return (page.find((e) => e.id === live.id) as MessageEvent | undefined) ?? stored;
}
