import { z } from "@hono/zod-openapi";
import { and, asc, eq, sql } from "drizzle-orm";
import type { SessionUser } from "../auth/session";
import type { UserScope } from "../context";
import type { Db } from "../db/client";
import { roomBans, roomMembers, users } from "../db/schema";
import type { Bindings } from "../env";
import { AppError, forbidden, notFound } from "../errors";
import { inboxRoom, notifyUser } from "../inbox/notify";
import { CloseCode, RoleSchema, type RoomRole } from "../protocol";
import { roomStub } from "../room";
import { requireReader, requireRoomAdmin } from "./access";
import { type RoomAccess, refuseDirect } from "./access-rules";

/** A member as the API shows it: the one definition of the shape (routes/schemas.ts re-exports it). */
export const MemberSchema = z
  .object({
    user_id: z.number().int(),
    username: z.string(),
    full_name: z.string().nullable(),
    role: RoleSchema,
    joined_at: z.string().openapi({ format: "date-time" }),
  })
  .openapi("Member");
export type Member = z.infer<typeof MemberSchema>;

const ENDINGS = { removed: "removed from the room", banned: "banned from the room", left: "left the room" };

/**
 * A membership ended (its row is gone from PostgreSQL): the room closes the user's sockets there
 * at once (4403, saying why) and their inbox drops the room.
 */
async function endMembership(env: Bindings, roomId: number, userId: number, end: keyof typeof ENDINGS) {
  const revoked = { code: CloseCode.forbidden, reason: ENDINGS[end] };
  await roomStub(env, roomId).rosterChanged(userId, { role: null, banned: end === "banned" }, revoked);
  await notifyUser(env, userId, { type: `room.${end}`, room_id: roomId });
}

const ROLE_ORDER = sql`case ${roomMembers.role} when 'owner' then 0 when 'admin' then 1 else 2 end`;

export async function listMembers(s: UserScope, roomId: number): Promise<Member[]> {
  const { db, user } = s;
  await requireReader(db, user, roomId);
  const rows = await db
    .select({ m: roomMembers, username: users.username, fullName: users.fullName })
    .from(roomMembers)
    .innerJoin(users, eq(users.id, roomMembers.userId))
    .where(eq(roomMembers.roomId, roomId))
    .orderBy(ROLE_ORDER, asc(roomMembers.joinedAt), asc(users.id));
  return rows.map(({ m, username, fullName }) => ({
    user_id: m.userId,
    username,
    full_name: fullName,
    role: m.role,
    joined_at: m.joinedAt.toISOString(),
  }));
}

async function memberOf(db: Db, roomId: number, userId: number): Promise<Member> {
  const [row] = await db
    .select({ m: roomMembers, username: users.username, fullName: users.fullName })
    .from(roomMembers)
    .innerJoin(users, eq(users.id, roomMembers.userId))
    .where(and(eq(roomMembers.roomId, roomId), eq(roomMembers.userId, userId)))
    .limit(1);
  if (!row) throw new AppError("member_not_found", 404, "That user is not a member of this room");
  return {
    user_id: row.m.userId,
    username: row.username,
    full_name: row.fullName,
    role: row.m.role,
    joined_at: row.m.joinedAt.toISOString(),
  };
}

async function requireUserExists(db: Db, userId: number): Promise<{ isAdmin: boolean }> {
  const [row] = await db.select({ isAdmin: users.isAdmin }).from(users).where(eq(users.id, userId)).limit(1);
  if (!row) throw notFound("User");
  return row;
}

async function isBanned(db: Db, roomId: number, userId: number) {
  const rows = await db
    .select({ id: roomBans.userId })
    .from(roomBans)
    .where(and(eq(roomBans.roomId, roomId), eq(roomBans.userId, userId)))
    .limit(1);
  return rows.length > 0;
}

/**
 * Only the owner (or a global admin) may act on an admin; nobody may act on the owner; global
 * admins are above room roles, so only another global admin may remove or ban one.
 */
function requireAuthorityOver(
  actor: SessionUser,
  access: RoomAccess,
  target: { role: RoomRole | null; isAdmin: boolean },
  what: "removed" | "banned",
) {
  if (target.isAdmin && !actor.isAdmin) {
    throw forbidden(`A global admin cannot be ${what} by a room's owner or admins`);
  }
  if (target.role === "owner")
    throw new AppError("owner_protected", 409, `The room's owner cannot be ${what}`);
  if (target.role === "admin" && !actor.isAdmin && access.role !== "owner") {
    throw forbidden(`Only the owner can ${what === "banned" ? "ban" : "remove"} an admin`);
  }
}

/** Joins a public room (idempotent). Private rooms are joined by being added. */
export async function joinRoom(s: UserScope, roomId: number): Promise<{ member: Member; created: boolean }> {
  const { db, env, user } = s;
  const access = await requireReader(db, user, roomId);
  refuseDirect(access, "joined");
  if (access.role !== null) return { member: await memberOf(db, roomId, user.id), created: false };
  if (access.room.kind !== "public" && !user.isAdmin) throw notFound("Room");
  await db.insert(roomMembers).values({ roomId, userId: user.id, role: "member" }).onConflictDoNothing();
  const member = await memberOf(db, roomId, user.id);
  await roomStub(env, roomId).rosterChanged(user.id, { role: member.role, banned: false });
  await notifyUser(env, user.id, { type: "room.joined", room: inboxRoom(access.room) });
  return { member, created: true };
}

/** A room admin adds someone (as `member`; as `admin` only the owner). Banned users cannot be added. */
export async function addMember(
  s: UserScope,
  roomId: number,
  userId: number,
  role: "admin" | "member",
): Promise<{ member: Member; created: boolean }> {
  const { db, env, user: actor } = s;
  const access = await requireRoomAdmin(db, actor, roomId);
  refuseDirect(access, "joined");
  if (role === "admin" && !actor.isAdmin && access.role !== "owner")
    throw forbidden("Only the owner can add admins");
  await requireUserExists(db, userId);
  if (await isBanned(db, roomId, userId))
    throw new AppError("user_banned", 409, "That user is banned from this room");
  const inserted = await db
    .insert(roomMembers)
    .values({ roomId, userId, role })
    .onConflictDoNothing()
    .returning({ userId: roomMembers.userId });
  const member = await memberOf(db, roomId, userId);
  await roomStub(env, roomId).rosterChanged(userId, { role: member.role, banned: false });
  if (inserted.length > 0) {
    const by = { id: actor.id, username: actor.username };
    await notifyUser(env, userId, { type: "room.invited", room: inboxRoom(access.room), by });
  }
  return { member, created: inserted.length > 0 };
}

/** The owner (or a global admin) makes a member an admin or back. The owner's role is fixed. */
export async function changeRole(
  s: UserScope,
  roomId: number,
  userId: number,
  role: "admin" | "member",
): Promise<Member> {
  const { db, env, user: actor } = s;
  const access = await requireReader(db, actor, roomId);
  refuseDirect(access, "given roles");
  if (!actor.isAdmin && access.role !== "owner") throw forbidden("Only the owner can change roles");
  const target = await memberOf(db, roomId, userId);
  if (target.role === "owner")
    throw new AppError("owner_protected", 409, "The owner's role cannot be changed");
  await db
    .update(roomMembers)
    .set({ role })
    .where(and(eq(roomMembers.roomId, roomId), eq(roomMembers.userId, userId)));
  await roomStub(env, roomId).rosterChanged(userId, { role, banned: false });
  return { ...target, role };
}

/** A room admin removes a member; their sockets are closed at once (4403). */
export async function removeMember(s: UserScope, roomId: number, userId: number) {
  const { db, env, user: actor } = s;
  const access = await requireRoomAdmin(db, actor, roomId);
  refuseDirect(access, "changed");
  const target = await memberOf(db, roomId, userId);
  requireAuthorityOver(actor, access, { ...target, ...(await requireUserExists(db, userId)) }, "removed");
  await db.delete(roomMembers).where(and(eq(roomMembers.roomId, roomId), eq(roomMembers.userId, userId)));
  await endMembership(env, roomId, userId, "removed");
}

/** A room admin bans a user (member or not): membership ends, sockets close, rejoining is refused. */
export async function banUser(s: UserScope, roomId: number, userId: number) {
  const { db, env, user: actor } = s;
  const access = await requireRoomAdmin(db, actor, roomId);
  refuseDirect(access, "changed");
  const { isAdmin } = await requireUserExists(db, userId);
  if (userId === actor.id) throw new AppError("cannot_ban_self", 409, "You cannot ban yourself");
  const [current] = await db
    .select({ role: roomMembers.role })
    .from(roomMembers)
    .where(and(eq(roomMembers.roomId, roomId), eq(roomMembers.userId, userId)));
  requireAuthorityOver(actor, access, { role: current?.role ?? null, isAdmin }, "banned");
  await db.transaction(async (tx) => {
    await tx.delete(roomMembers).where(and(eq(roomMembers.roomId, roomId), eq(roomMembers.userId, userId)));
    await tx.insert(roomBans).values({ roomId, userId, bannedBy: actor.id }).onConflictDoNothing();
  });
  await endMembership(env, roomId, userId, "banned");
}

export async function unbanUser(s: UserScope, roomId: number, userId: number) {
  const { db, env, user: actor } = s;
  const access = await requireRoomAdmin(db, actor, roomId);
  refuseDirect(access, "changed");
  const deleted = await db
    .delete(roomBans)
    .where(and(eq(roomBans.roomId, roomId), eq(roomBans.userId, userId)))
    .returning({ userId: roomBans.userId });
  if (deleted.length === 0) throw new AppError("not_banned", 404, "That user is not banned here");
  await roomStub(env, roomId).rosterChanged(userId, { role: null, banned: false });
}

export async function leaveRoom(s: UserScope, roomId: number) {
  const { db, env, user } = s;
  const access = await requireReader(db, user, roomId);
  refuseDirect(access, "left");
  if (access.role === null) throw new AppError("not_a_member", 409, "You are not a member of this room");
  if (access.role === "owner")
    throw new AppError("owner_cannot_leave", 409, "The owner cannot leave; delete the room");
  await db.delete(roomMembers).where(and(eq(roomMembers.roomId, roomId), eq(roomMembers.userId, user.id)));
  await endMembership(env, roomId, user.id, "left");
}
