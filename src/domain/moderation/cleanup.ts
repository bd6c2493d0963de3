import { z } from "@hono/zod-openapi";
import { and, eq, gt, ne } from "drizzle-orm";
import type { UserScope } from "../../context";
import { roomMembers, users } from "../../db/schema";
import { AppError } from "../../errors";
import { requireRoomAdmin } from "../access";
import { asSocketUser } from "../messages";
import { audit } from "./audit";
import { callRoom } from "./notify";
import { requireTarget } from "./restrictions";

/** Users and messages one cleanup request covers at most; `more` says to ask again. */
export const CLEANUP_MAX_USERS = 200;
export const CLEANUP_MAX_MESSAGES = 500;

export const CleanupInputSchema = z
  .object({
    user_id: z.number().int().positive().optional().openapi({ description: "Every message of this user…" }),
    joined_after: z.iso
      .datetime()
      .optional()
      .openapi({ description: "…or of every member who joined after this" }),
    since: z.iso.datetime().openapi({ description: "Messages sent at or after this are deleted" }),
  })
  .refine((c) => (c.user_id === undefined) !== (c.joined_after === undefined), {
    message: "Give exactly one of user_id and joined_after",
  })
  .openapi("CleanupInput");
export type CleanupInput = z.infer<typeof CleanupInputSchema>;

export const CleanupResultSchema = z
  .object({
    users: z.array(z.number().int()),
    deleted: z.number().int().openapi({ description: "Messages deleted, each as a message.deleted event" }),
    more: z.boolean().openapi({ description: "More remained than one request deletes: ask again" }),
  })
  .openapi("CleanupResult");

/** Whose messages go: one user, or the members who joined after a time (never moderators). */
async function targets(s: UserScope, roomId: number, c: CleanupInput): Promise<number[]> {
  if (c.user_id !== undefined) return [c.user_id];
  const rows = await s.db
    .select({ id: roomMembers.userId })
    .from(roomMembers)
    .innerJoin(users, eq(users.id, roomMembers.userId))
    .where(
      and(
        eq(roomMembers.roomId, roomId),
        gt(roomMembers.joinedAt, new Date(c.joined_after ?? 0)),
        eq(roomMembers.role, "member"),
        eq(users.isAdmin, false),
        ne(roomMembers.userId, s.user.id),
      ),
    )
    .limit(CLEANUP_MAX_USERS + 1);
  return rows.map((r) => r.id);
}

/** Raid cleanup: the room deletes the messages as ordinary `message.deleted` events (live, resumable). */
export async function cleanup(s: UserScope, roomId: number, c: CleanupInput) {
  await requireRoomAdmin(s.db, s.user, roomId);
  // One named user: the hierarchy applies (restrictions.ts); joined_after picks members only.
  if (c.user_id !== undefined && c.user_id !== s.user.id) await requireTarget(s, roomId, c.user_id);
  const found = await targets(s, roomId, c);
  const userIds = found.slice(0, CLEANUP_MAX_USERS);
  if (userIds.includes(s.user.id))
    throw new AppError("cannot_moderate_self", 409, "You cannot clean up your own messages");
  const result = userIds.length
    ? await callRoom(s.env, roomId, asSocketUser(s.user), {
        kind: "cleanup",
        user_ids: userIds,
        since: Date.parse(c.since),
        max: CLEANUP_MAX_MESSAGES,
      })
    : { deleted: 0, more: false };
  const more = result.more || found.length > CLEANUP_MAX_USERS;
  await audit(s.db, {
    roomId,
    actorId: s.user.id,
    action: "cleanup",
    targetUserId: c.user_id ?? null,
    details: {
      users: userIds,
      since: c.since,
      joined_after: c.joined_after ?? null,
      deleted: result.deleted,
    },
  });
  return { users: userIds, deleted: result.deleted, more };
}
