import { and, eq, ne } from "drizzle-orm";
import type { UserScope } from "../context";
import { type RoomRow, roomMembers, rooms, users } from "../db/schema";
import { AppError, notFound } from "../errors";
import { inboxRoom, notifyUser } from "../inbox/notify";
import type { UserRef } from "../protocol";
import { youBlocked } from "./access-rules";
import { spend } from "./action-budget";
import { summariseLive } from "./live-summaries";
import { eitherBlocked } from "./people";
import { byActivity, type RoomSummary } from "./summaries";

const dmKey = (a: number, b: number) => (a < b ? `${a}:${b}` : `${b}:${a}`);

/**
 * Refused when the other user blocked the caller, without saying so: the answer is the one a
 * deactivated or unknown account gets (404). A caller who blocked them is told (409).
 */
async function requireDirectAllowed(s: UserScope, otherId: number) {
  const blocked = await eitherBlocked(s, s.user.id, otherId);
  if (blocked === "mine") throw youBlocked();
  if (blocked === "theirs") throw notFound("User");
}

/**
 * The one direct conversation between two users, created the first time. Idempotent also under
 * concurrent calls: the unique `dm_key` makes the second insert a no-op that then reads the first.
 * A deactivated user is answered like an unknown one (404), and each user opens at most
 * `DMS_OPENED_PER_USER_PER_HOUR` new conversations an hour (reopening one is free).
 */
export async function openDirect(
  s: UserScope,
  otherId: number,
): Promise<{ room: RoomRow; created: boolean }> {
  const { db, config, user: me } = s;
  if (otherId === me.id)
    throw new AppError("cannot_dm_self", 422, "You cannot open a conversation with yourself");
  const [other] = await db
    .select({ id: users.id, username: users.username })
    .from(users)
    .where(and(eq(users.id, otherId), eq(users.isActive, true)))
    .limit(1);
  if (!other) throw notFound("User");
  await requireDirectAllowed(s, other.id);
  const key = dmKey(me.id, otherId);
  const [existing] = await db.select().from(rooms).where(eq(rooms.dmKey, key)).limit(1);
  if (existing) return { room: existing, created: false };
  await spend(db, `dm:${me.id}`, config.DMS_OPENED_PER_USER_PER_HOUR, "too_many_direct_rooms");
  const opened = await insertDirect(s, key, otherId);
  if (opened.created) {
    const room = inboxRoom(opened.room);
    await Promise.all([
      notifyUser(s.env, otherId, { type: "dm.new", room, with: { id: me.id, username: me.username } }),
      notifyUser(s.env, me.id, { type: "dm.new", room, with: { id: otherId, username: other.username } }),
    ]);
  }
  return opened;
}

async function insertDirect(s: UserScope, key: string, otherId: number) {
  const me = s.user;
  return s.db.transaction(async (tx) => {
    const [created] = await tx
      .insert(rooms)
      .values({ name: "direct", kind: "direct", ownerId: me.id, dmKey: key })
      .onConflictDoNothing({ target: rooms.dmKey })
      .returning();
    const room = created ?? (await tx.select().from(rooms).where(eq(rooms.dmKey, key)).limit(1))[0];
    if (!room) throw new Error("direct room vanished");
    await tx
      .insert(roomMembers)
      .values([
        { roomId: room.id, userId: me.id, role: "member" },
        { roomId: room.id, userId: otherId, role: "member" },
      ])
      .onConflictDoNothing();
    return { room, created: created !== undefined };
  });
}

export type DirectSummary = RoomSummary & { room: RoomRow; with: UserRef };

/** My direct conversations, most recent activity first, with the other person. */
export async function listDirect(s: UserScope, limit: number, offset: number): Promise<DirectSummary[]> {
  const { db, user: me } = s;
  const mine = db
    .select({ roomId: roomMembers.roomId, floor: roomMembers.lastReadSeq })
    .from(roomMembers)
    .where(eq(roomMembers.userId, me.id))
    .as("mine");
  const rows = await db
    .select({ room: rooms, otherId: users.id, otherName: users.username, floor: mine.floor })
    .from(rooms)
    .innerJoin(mine, eq(mine.roomId, rooms.id))
    .innerJoin(roomMembers, and(eq(roomMembers.roomId, rooms.id), ne(roomMembers.userId, me.id)))
    .innerJoin(users, eq(users.id, roomMembers.userId))
    .where(eq(rooms.kind, "direct"))
    .orderBy(byActivity)
    .limit(limit)
    .offset(offset);
  const summaries = await summariseLive(
    s,
    rows.map((r) => r.room.id),
    new Map(rows.map((r) => [r.room.id, r.floor])),
  );
  return rows.map((r) => ({
    room: r.room,
    with: { id: r.otherId, username: r.otherName },
    ...(summaries.get(r.room.id) ?? { last_message: null, unread_count: 0, mention_count: 0 }),
  }));
}
