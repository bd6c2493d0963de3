import { and, eq } from "drizzle-orm";
import type { SessionUser } from "../auth/session";
import type { Db } from "../db/client";
import { roomBans, roomMembers, rooms } from "../db/schema";
import { type Membership, type RoomAccess, reader, roomAdmin } from "./access-rules";

/** The room and the user's membership in it, from PostgreSQL, in one query. */
async function load(db: Db, user: SessionUser, roomId: number) {
  const [row] = await db
    .select({ room: rooms, role: roomMembers.role, bannedAt: roomBans.createdAt })
    .from(rooms)
    .leftJoin(roomMembers, and(eq(roomMembers.roomId, rooms.id), eq(roomMembers.userId, user.id)))
    .leftJoin(roomBans, and(eq(roomBans.roomId, rooms.id), eq(roomBans.userId, user.id)))
    .where(eq(rooms.id, roomId))
    .limit(1);
  const m: Membership = { role: row?.role ?? null, banned: row?.bannedAt != null };
  return { room: row?.room, m };
}

/** May read the room and its history (rules: access-rules.ts). */
export async function requireReader(db: Db, user: SessionUser, roomId: number): Promise<RoomAccess> {
  const { room, m } = await load(db, user, roomId);
  return reader(room, m, user);
}

export async function requireRoomAdmin(db: Db, user: SessionUser, roomId: number): Promise<RoomAccess> {
  const { room, m } = await load(db, user, roomId);
  return roomAdmin(room, m, user);
}
