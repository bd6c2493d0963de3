import { z } from "@hono/zod-openapi";
import { and, desc, eq, lt, type SQL } from "drizzle-orm";
import type { UserScope } from "../../context";
import { messageReports, REPORT_REASONS, REPORT_STATUSES } from "../../db/moderation-schema";
import { messages } from "../../db/schema";
import { AppError, notFound } from "../../errors";
import { requireRoomAdmin } from "../access";
import { banUser } from "../members";
import { asSocketUser, deleteMessage } from "../messages";
import { audit } from "./audit";
import { callRoom } from "./notify";
import { muteUser } from "./restrictions";

export const ReportInputSchema = z
  .object({
    reason: z.enum(REPORT_REASONS).exclude(["filter"]),
    note: z.string().trim().max(1000).optional(),
  })
  .openapi("ReportInput");

export const ReportSchema = z
  .object({
    id: z.number().int(),
    room_id: z.number().int(),
    message_id: z.string(),
    message: z
      .object({ seq: z.number().int(), content: z.string().nullable(), deleted: z.boolean() })
      .nullable()
      .openapi({ description: "The message as PostgreSQL has it (null until the room's copy reached it)" }),
    reported_user_id: z.number().int().nullable(),
    reporter_id: z.number().int().nullable().openapi({
      description: "Who reported: null for a filter's flag, and never shown to the reported user",
    }),
    reason: z.enum(REPORT_REASONS),
    note: z.string().nullable(),
    status: z.enum(REPORT_STATUSES),
    resolved_by: z.number().int().nullable(),
    resolved_at: z.string().nullable(),
    created_at: z.string().openapi({ format: "date-time" }),
  })
  .openapi("Report");
export type Report = z.infer<typeof ReportSchema>;

export const ResolveSchema = z
  .object({
    action: z.enum(["dismiss", "delete", "mute", "ban"]),
    mute_seconds: z
      .number()
      .int()
      .min(1)
      .max(365 * 24 * 3600)
      .default(3600),
  })
  .openapi("ReportResolution");
export type Resolution = z.infer<typeof ResolveSchema>;

const STATUS_OF = { dismiss: "dismissed", delete: "deleted", mute: "muted", ban: "banned" } as const;

/** Any reader reports a message of the room once; their own messages they delete instead. */
export async function reportMessage(
  s: UserScope,
  roomId: number,
  messageId: string,
  input: z.infer<typeof ReportInputSchema>,
) {
  const target = await callRoom(s.env, roomId, asSocketUser(s.user), {
    kind: "report_target",
    message_id: messageId,
  });
  if (target.user_id === s.user.id)
    throw new AppError("cannot_report_self", 409, "You cannot report yourself");
  const [row] = await s.db
    .insert(messageReports)
    .values({ roomId, messageId, reportedUserId: target.user_id, reporterId: s.user.id, ...input })
    .onConflictDoNothing()
    .returning();
  if (!row) throw new AppError("already_reported", 409, "You already reported this message");
  // The reporter is not recorded in the audit log: the reported user may be a room admin.
  await audit(s.db, {
    roomId,
    actorId: null,
    action: "report.create",
    targetMessageId: messageId,
    details: { report_id: row.id, reason: row.reason },
  });
  return { id: row.id, status: row.status };
}

export type ReportQuery = {
  status?: Report["status"] | undefined;
  limit: number;
  before?: number | undefined;
};

/** The queue: a room's (its admins), or every room's (`roomId` undefined: global admins). */
export async function listReports(
  s: UserScope,
  roomId: number | undefined,
  q: ReportQuery,
): Promise<Report[]> {
  const where: SQL[] = [];
  if (roomId !== undefined) where.push(eq(messageReports.roomId, roomId));
  if (q.status) where.push(eq(messageReports.status, q.status));
  if (q.before !== undefined) where.push(lt(messageReports.id, q.before));
  const rows = await s.db
    .select({
      r: messageReports,
      m: { seq: messages.seq, content: messages.content, deletedAt: messages.deletedAt },
    })
    .from(messageReports)
    .leftJoin(messages, eq(messages.id, messageReports.messageId))
    .where(and(...where))
    .orderBy(desc(messageReports.id))
    .limit(q.limit);
  return rows.map(({ r, m }) => ({
    id: r.id,
    room_id: r.roomId,
    message_id: r.messageId,
    message: m ? { seq: m.seq, content: m.content, deleted: m.deletedAt !== null } : null,
    reported_user_id: r.reportedUserId,
    reporter_id: r.reportedUserId === s.user.id ? null : r.reporterId,
    reason: r.reason,
    note: r.note,
    status: r.status,
    resolved_by: r.resolvedBy,
    resolved_at: r.resolvedAt?.toISOString() ?? null,
    created_at: r.createdAt.toISOString(),
  }));
}

/** Acts on a report; every open report of the same message is closed with it. */
export async function resolveReport(s: UserScope, reportId: number, r: Resolution) {
  const [report] = await s.db.select().from(messageReports).where(eq(messageReports.id, reportId));
  if (!report) throw notFound("Report");
  await requireRoomAdmin(s.db, s.user, report.roomId);
  if (report.status !== "open") throw new AppError("report_resolved", 409, "The report was already resolved");
  await enforce(s, report, r);
  const status = STATUS_OF[r.action];
  await s.db.transaction(async (tx) => {
    await tx
      .update(messageReports)
      .set({ status, resolvedBy: s.user.id, resolvedAt: new Date() })
      .where(and(eq(messageReports.messageId, report.messageId), eq(messageReports.status, "open")));
    await audit(tx, {
      roomId: report.roomId,
      actorId: s.user.id,
      action: "report.resolve",
      targetUserId: report.reportedUserId,
      targetMessageId: report.messageId,
      details: { report_id: report.id, action: r.action },
    });
  });
  return { id: report.id, status };
}

async function enforce(s: UserScope, report: typeof messageReports.$inferSelect, r: Resolution) {
  const { roomId, reportedUserId: userId } = report;
  if (r.action === "delete") {
    try {
      await deleteMessage(s, roomId, report.messageId);
      await audit(s.db, {
        roomId,
        actorId: s.user.id,
        action: "message.delete",
        targetUserId: userId,
        targetMessageId: report.messageId,
      });
    } catch (err) {
      if (!(err instanceof AppError && err.code === "message_deleted")) throw err;
    }
  } else if (r.action !== "dismiss") {
    if (userId === null) throw new AppError("author_gone", 409, "The message's author no longer exists");
    if (r.action === "mute") await muteUser(s, roomId, userId, r.mute_seconds, `report ${report.id}`);
    else {
      await banUser(s, roomId, userId);
      await audit(s.db, { roomId, actorId: s.user.id, action: "user.ban", targetUserId: userId });
    }
  }
}
