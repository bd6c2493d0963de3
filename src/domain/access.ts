import { and, eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { type RoomRow, roomBans, roomMembers, rooms, type UserRow } from "../db/schema";
import { AppError, forbidden, notFound } from "../errors";
import type { RoomRole } from "../room/protocol";
import { isModerator } from "../room/writes";

/**
 * Who may do what in a room. The rules, in one place:
 * - public rooms: anyone signed in reads them; posting or connecting makes you a member;
 * - private and direct rooms: members only; to anyone else they do not exist (404, not 403),
 *   except to global admins, who can see and moderate every room but must be added to post;
 * - a banned user is refused everything in that room (403 `banned`; a private room stays 404).
 */
export type RoomAccess = { room: RoomRow; role: RoomRole | null; banned: boolean };

export const banned = () => new AppError("banned", 403, "You are banned from this room");

export async function loadAccess(db: Db, user: UserRow, roomId: number): Promise<RoomAccess> {
  const [row] = await db
    .select({ room: rooms, role: roomMembers.role, bannedAt: roomBans.createdAt })
    .from(rooms)
    .leftJoin(roomMembers, and(eq(roomMembers.roomId, rooms.id), eq(roomMembers.userId, user.id)))
    .leftJoin(roomBans, and(eq(roomBans.roomId, rooms.id), eq(roomBans.userId, user.id)))
    .where(eq(rooms.id, roomId))
    .limit(1);
  if (!row) throw notFound("Room");
  const role = row.role ?? null;
  if (row.room.kind !== "public" && role === null && !user.isAdmin) throw notFound("Room");
  return { room: row.room, role, banned: row.bannedAt !== null };
}

export const isRoomAdmin = (user: UserRow, access: RoomAccess) =>
  isModerator({ isAdmin: user.isAdmin, role: access.role });

/** May read the room and its history. */
export async function requireReader(db: Db, user: UserRow, roomId: number): Promise<RoomAccess> {
  const access = await loadAccess(db, user, roomId);
  if (access.banned) throw banned();
  return access;
}

/**
 * May write in the room (post, connect, edit). In a public room a non-member becomes a member
 * on the way in (unless `join: false`).
 */
export async function requireWriter(
  db: Db,
  user: UserRow,
  roomId: number,
  { join = true } = {},
): Promise<RoomAccess> {
  const access = await requireReader(db, user, roomId);
  if (access.role !== null) return access;
  if (access.room.kind === "public" && join) {
    await db.insert(roomMembers).values({ roomId, userId: user.id, role: "member" }).onConflictDoNothing();
    return { ...access, role: "member" };
  }
  throw new AppError("not_a_member", 403, "Join the room first");
}

export async function requireRoomAdmin(db: Db, user: UserRow, roomId: number): Promise<RoomAccess> {
  const access = await requireReader(db, user, roomId);
  if (!isRoomAdmin(user, access)) throw forbidden("Room admin only");
  return access;
}

export function refuseDirect(access: RoomAccess, what: string) {
  if (access.room.kind === "direct")
    throw new AppError("direct_room", 403, `Direct conversations cannot be ${what}`);
}
