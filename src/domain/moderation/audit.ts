import { z } from "@hono/zod-openapi";
import { and, desc, eq, isNull, lt, type SQL } from "drizzle-orm";
import type { Db } from "../../db/client";
import { moderationAudit } from "../../db/moderation-schema";
import { users } from "../../db/schema";

/** Every moderation action, by name: the audit log's `action`. */
export const AUDIT_ACTIONS = [
  "filter.create",
  "filter.delete",
  "filter.mask",
  "filter.flag",
  "filter.block",
  "slow_mode.set",
  "mute.create",
  "mute.delete",
  "shadow_ban.create",
  "shadow_ban.delete",
  "report.create",
  "report.resolve",
  "message.delete",
  "user.ban",
  "cleanup",
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export const AuditEntrySchema = z
  .object({
    id: z.number().int(),
    room_id: z.number().int().nullable().openapi({ description: "Null for the global filter list" }),
    actor_id: z.number().int().nullable().openapi({ description: "Null when a filter acted" }),
    actor_username: z.string().nullable(),
    action: z.enum(AUDIT_ACTIONS),
    target_user_id: z.number().int().nullable(),
    target_message_id: z.string().nullable(),
    details: z.unknown(),
    created_at: z.string().openapi({ format: "date-time" }),
  })
  .openapi("AuditEntry");
export type AuditEntry = z.infer<typeof AuditEntrySchema>;

export type AuditRecord = {
  roomId: number | null;
  actorId: number | null;
  action: AuditAction;
  targetUserId?: number | null;
  targetMessageId?: string | null;
  details?: Record<string, unknown>;
};

/** Records one moderation action (in the same transaction as the action when given one). */
export async function audit(db: Pick<Db, "insert">, r: AuditRecord) {
  await db.insert(moderationAudit).values({
    roomId: r.roomId,
    actorId: r.actorId,
    action: r.action,
    targetUserId: r.targetUserId ?? null,
    targetMessageId: r.targetMessageId ?? null,
    details: r.details ?? null,
  });
}

export type AuditPage = { limit: number; before?: number | undefined };

/** Newest first; `roomId` undefined: every room and the global list (global admins). */
export async function listAudit(db: Db, roomId: number | null | undefined, page: AuditPage) {
  const where: SQL[] = [];
  if (roomId === null) where.push(isNull(moderationAudit.roomId));
  else if (roomId !== undefined) where.push(eq(moderationAudit.roomId, roomId));
  if (page.before !== undefined) where.push(lt(moderationAudit.id, page.before));
  const rows = await db
    .select({ a: moderationAudit, username: users.username })
    .from(moderationAudit)
    .leftJoin(users, eq(users.id, moderationAudit.actorId))
    .where(and(...where))
    .orderBy(desc(moderationAudit.id))
    .limit(page.limit);
  return rows.map(
    ({ a, username }): AuditEntry => ({
      id: a.id,
      room_id: a.roomId,
      actor_id: a.actorId,
      actor_username: username,
      action: a.action as AuditAction,
      target_user_id: a.targetUserId,
      target_message_id: a.targetMessageId,
      details: a.details ?? null,
      created_at: a.createdAt.toISOString(),
    }),
  );
}
