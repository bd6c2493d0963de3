import { z } from "@hono/zod-openapi";
import { and, eq, gt } from "drizzle-orm";
import type { UserScope } from "../../context";
import { roomModeration, roomMutes, roomShadowBans } from "../../db/moderation-schema";
import { roomMembers, users } from "../../db/schema";
import { AppError, notFound } from "../../errors";
import { requireRoomAdmin } from "../access";
import { audit } from "./audit";
import { rulesChanged } from "./notify";

/** Longest slow mode and longest mute (seconds). */
export const MAX_SLOW_MODE_SECONDS = 6 * 3600;
export const MAX_MUTE_SECONDS = 365 * 24 * 3600;

export const MuteSchema = z
  .object({
    room_id: z.number().int(),
    user_id: z.number().int(),
    until: z.string().openapi({ format: "date-time" }),
    reason: z.string().nullable(),
    muted_by: z.number().int().nullable(),
  })
  .openapi("Mute");
export type Mute = z.infer<typeof MuteSchema>;

/**
 * The moderation hierarchy: global admin > the room's owner > room admin > member. A moderator
 * acts only on someone they outrank: nobody on themselves (`cannot_moderate_self`) or on the
 * owner (`owner_protected`, as for removal and bans), a room admin on members only, the owner
 * on admins and members, a global admin on anyone but the owner; otherwise 403 `outranked`.
 */
export async function requireTarget(s: UserScope, roomId: number, userId: number) {
  const access = await requireRoomAdmin(s.db, s.user, roomId);
  const [target] = await s.db
    .select({ isAdmin: users.isAdmin, role: roomMembers.role })
    .from(users)
    .leftJoin(roomMembers, and(eq(roomMembers.roomId, roomId), eq(roomMembers.userId, users.id)))
    .where(eq(users.id, userId));
  if (!target) throw notFound("User");
  if (userId === s.user.id) throw new AppError("cannot_moderate_self", 409, "You cannot do that to yourself");
  if (access.room.ownerId === userId)
    throw new AppError("owner_protected", 409, "The room's owner is exempt");
  const outranked = (who: string) =>
    new AppError("outranked", 403, `${who} can be moderated only by someone above them`);
  if (target.isAdmin && !s.user.isAdmin) throw outranked("A global admin");
  if (target.role === "admin" && !s.user.isAdmin && access.role !== "owner") throw outranked("A room admin");
  return access;
}

export async function setSlowMode(s: UserScope, roomId: number, seconds: number) {
  await requireRoomAdmin(s.db, s.user, roomId);
  await s.db.transaction(async (tx) => {
    await tx
      .insert(roomModeration)
      .values({ roomId, slowModeSeconds: seconds })
      .onConflictDoUpdate({
        target: roomModeration.roomId,
        set: { slowModeSeconds: seconds, updatedAt: new Date() },
      });
    await audit(tx, { roomId, actorId: s.user.id, action: "slow_mode.set", details: { seconds } });
  });
  await rulesChanged(s.env, roomId);
  return { room_id: roomId, slow_mode_seconds: seconds };
}

/** Mutes a user until `now + seconds` (a second mute replaces the first). */
export async function muteUser(
  s: UserScope,
  roomId: number,
  userId: number,
  seconds: number,
  reason: string | null,
): Promise<Mute> {
  await requireTarget(s, roomId, userId);
  const until = new Date(Date.now() + seconds * 1000);
  await s.db.transaction(async (tx) => {
    await tx
      .insert(roomMutes)
      .values({ roomId, userId, until, reason, mutedBy: s.user.id })
      .onConflictDoUpdate({
        target: [roomMutes.roomId, roomMutes.userId],
        set: { until, reason, mutedBy: s.user.id, createdAt: new Date() },
      });
    await audit(tx, {
      roomId,
      actorId: s.user.id,
      action: "mute.create",
      targetUserId: userId,
      details: { until: until.toISOString(), seconds, reason },
    });
  });
  await rulesChanged(s.env, roomId);
  return { room_id: roomId, user_id: userId, until: until.toISOString(), reason, muted_by: s.user.id };
}

export async function unmuteUser(s: UserScope, roomId: number, userId: number) {
  await requireRoomAdmin(s.db, s.user, roomId);
  const removed = await s.db.transaction(async (tx) => {
    const rows = await tx
      .delete(roomMutes)
      .where(and(eq(roomMutes.roomId, roomId), eq(roomMutes.userId, userId), gt(roomMutes.until, new Date())))
      .returning({ userId: roomMutes.userId });
    if (rows.length)
      await audit(tx, { roomId, actorId: s.user.id, action: "mute.delete", targetUserId: userId });
    return rows.length;
  });
  if (!removed) throw new AppError("not_muted", 404, "That user is not muted here");
  await rulesChanged(s.env, roomId);
}

export async function listMutes(s: UserScope, roomId: number): Promise<Mute[]> {
  await requireRoomAdmin(s.db, s.user, roomId);
  const rows = await s.db
    .select()
    .from(roomMutes)
    .where(and(eq(roomMutes.roomId, roomId), gt(roomMutes.until, new Date())))
    .orderBy(roomMutes.until);
  return rows.map((m) => ({
    room_id: m.roomId,
    user_id: m.userId,
    until: m.until.toISOString(),
    reason: m.reason,
    muted_by: m.mutedBy,
  }));
}

/** Shadow-bans (`on`) or lifts it. Events already sequenced stay as they were sequenced. */
export async function setShadowBan(s: UserScope, roomId: number, userId: number, on: boolean) {
  if (on) await requireTarget(s, roomId, userId);
  else await requireRoomAdmin(s.db, s.user, roomId);
  const changed = await s.db.transaction(async (tx) => {
    const where = and(eq(roomShadowBans.roomId, roomId), eq(roomShadowBans.userId, userId));
    const rows = on
      ? await tx
          .insert(roomShadowBans)
          .values({ roomId, userId, createdBy: s.user.id })
          .onConflictDoNothing()
          .returning({ userId: roomShadowBans.userId })
      : await tx.delete(roomShadowBans).where(where).returning({ userId: roomShadowBans.userId });
    const action = on ? "shadow_ban.create" : "shadow_ban.delete";
    if (rows.length) await audit(tx, { roomId, actorId: s.user.id, action, targetUserId: userId });
    return rows.length > 0;
  });
  if (!on && !changed) throw new AppError("not_shadow_banned", 404, "That user is not shadow-banned here");
  await rulesChanged(s.env, roomId);
  return { room_id: roomId, user_id: userId, shadow_banned: on };
}

export async function listShadowBans(s: UserScope, roomId: number) {
  await requireRoomAdmin(s.db, s.user, roomId);
  const rows = await s.db.select().from(roomShadowBans).where(eq(roomShadowBans.roomId, roomId));
  return rows.map((r) => ({
    user_id: r.userId,
    created_by: r.createdBy,
    created_at: r.createdAt.toISOString(),
  }));
}
