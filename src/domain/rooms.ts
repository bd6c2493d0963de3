import { and, asc, eq, ilike, sql } from "drizzle-orm";
import type { Scope, UserScope } from "../context";
import { type RoomRow, roomMembers, rooms } from "../db/schema";
import { notFound } from "../errors";
import { fileSweeper } from "../files/sweeper";
import { inboxRoom, notifyUser, notifyUsers } from "../inbox/notify";
import type { CREATABLE_ROOM_KINDS, RoomRole } from "../protocol";
import { copyReadMarkers, roomStub, unwrap } from "../room";
import { requireRoomAdmin } from "./access";
import { refuseDirect } from "./access-rules";
import { spend } from "./action-budget";
import { summariseLive } from "./live-summaries";
import { asSocketUser } from "./messages";
import { byActivity, type RoomSummary } from "./summaries";

export type NewRoom = {
  name: string;
  description?: string | null | undefined;
  kind: (typeof CREATABLE_ROOM_KINDS)[number];
};

/** Creates a room owned by the caller; `ROOMS_CREATED_PER_USER_PER_HOUR` each (a row and an object each); the creator becomes its owner in the same transaction. */
export async function createRoom(s: UserScope, input: NewRoom): Promise<RoomRow> {
  const { db, env, config, user: owner } = s;
  await spend(db, `room:${owner.id}`, config.ROOMS_CREATED_PER_USER_PER_HOUR, "too_many_rooms");
  const created = await db.transaction(async (tx) => {
    const [room] = await tx
      .insert(rooms)
      .values({
        name: input.name,
        description: input.description ?? null,
        kind: input.kind,
        ownerId: owner.id,
      })
      .returning();
    if (!room) throw new Error("insert returned no row");
    await tx.insert(roomMembers).values({ roomId: room.id, userId: owner.id, role: "owner" });
    return room;
  });
  await notifyUser(env, owner.id, { type: "room.joined", room: inboxRoom(created) });
  return created;
}

export type MyRoom = RoomSummary & { room: RoomRow; my_role: RoomRole | null };

/**
 * The rooms I belong to (a global admin: every room), most recent activity first, each with my
 * role, its last message and my unread count.
 */
export async function listRooms(s: UserScope, limit: number, offset: number): Promise<MyRoom[]> {
  const { db, user } = s;
  const rows = await db
    .select({ room: rooms, role: roomMembers.role, floor: roomMembers.lastReadSeq })
    .from(rooms)
    [user.isAdmin ? "leftJoin" : "innerJoin"](
      roomMembers,
      and(eq(roomMembers.roomId, rooms.id), eq(roomMembers.userId, user.id)),
    )
    .orderBy(byActivity, asc(rooms.id))
    .limit(limit)
    .offset(offset);
  // The markers came with the rows: no second query for them (rooms I am not in have none).
  const floors = new Map(rows.flatMap((r) => (r.floor === null ? [] : [[r.room.id, r.floor] as const])));
  const summaries = await summariseLive(
    s,
    rows.map((r) => r.room.id),
    floors,
  );
  return rows.map(({ room, role }) => ({
    room,
    my_role: role ?? null,
    ...(summaries.get(room.id) ?? { last_message: null, unread_count: 0, mention_count: 0 }),
  }));
}

/** Public rooms whose name contains `q` (case-insensitive), by name. */
export async function searchPublicRooms(
  s: Scope,
  q: string,
  limit: number,
  offset: number,
): Promise<RoomRow[]> {
  const { db } = s;
  const pattern = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return db
    .select()
    .from(rooms)
    .where(and(eq(rooms.kind, "public"), q ? ilike(rooms.name, pattern) : undefined))
    .orderBy(asc(sql`lower(${rooms.name})`), asc(rooms.id))
    .limit(limit)
    .offset(offset);
}

export type RoomPatch = { name?: string | undefined; description?: string | null | undefined };

export async function updateRoom(s: UserScope, roomId: number, patch: RoomPatch): Promise<RoomRow> {
  const { db, env, user } = s;
  refuseDirect(await requireRoomAdmin(db, user, roomId), "renamed");
  const [row] = await db
    .update(rooms)
    .set({
      ...(patch.name !== undefined && { name: patch.name }),
      ...(patch.description !== undefined && { description: patch.description }),
      updatedAt: new Date(),
    })
    .where(eq(rooms.id, roomId))
    .returning();
  if (!row) throw notFound("Room");
  await roomStub(env, roomId).roomChanged(row);
  if (patch.name !== undefined) {
    await notifyUsers(env, await memberIds(s, roomId), { type: "room.renamed", room: inboxRoom(row) });
  }
  return row;
}

/** Deletes the room and its messages, then closes its sockets and clears its object's storage. */
export async function deleteRoom(s: UserScope, roomId: number): Promise<void> {
  const { db, env, user } = s;
  await requireRoomAdmin(db, user, roomId);
  const members = await memberIds(s, roomId);
  // Of concurrent deletes exactly one removes the row; the others find nothing (404).
  const deleted = await db.delete(rooms).where(eq(rooms.id, roomId)).returning({ id: rooms.id });
  if (deleted.length === 0) throw notFound("Room");
  await roomStub(env, roomId).destroy();
  await notifyUsers(env, members, { type: "room.deleted", room_id: roomId });
  // Its messages' uploads went with the row (cascade); the trigger queued the blobs.
  await fileSweeper(env).kick();
}

/** Who is told on their channel when the room changes. */
async function memberIds(s: Scope, roomId: number): Promise<number[]> {
  const rows = await s.db
    .select({ id: roomMembers.userId })
    .from(roomMembers)
    .where(eq(roomMembers.roomId, roomId));
  return rows.map((r) => r.id);
}

/**
 * Moves my read marker forward through the room (the one place the rule lives: never back,
 * clamped to the last seq, limited, told to all my sockets), and copies it to PostgreSQL at once
 * so the unread count answered here already counts it.
 */
export async function markRead(s: UserScope, roomId: number, seq: number) {
  const { db, env, user } = s;
  const upTo = await unwrap(roomStub(env, roomId).markRead(roomId, asSocketUser(user), seq));
  await copyReadMarkers(db, roomId, [{ user_id: user.id, seq: upTo }]);
  const summary = (await summariseLive(s, [roomId])).get(roomId);
  return { room_id: roomId, last_read_seq: upTo, unread_count: summary?.unread_count ?? 0 };
}
