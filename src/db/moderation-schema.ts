import { sql } from "drizzle-orm";
import {
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import { createdAt, rooms, users } from "./schema";

// Moderation (issue 23), beside schema.ts (which the size rule keeps short). The messages'
// `hidden` column is in schema.ts, with the table it belongs to.

const roomRef = () =>
  integer("room_id")
    .notNull()
    .references(() => rooms.id, { onDelete: "cascade" });
const userRef = () =>
  integer("user_id")
    .notNull()
    .references(() => users.id, { onDelete: "cascade" });

/** Word and pattern filters: a room's (`room_id`), or the global list (`room_id` null). */
export const moderationFilters = pgTable(
  "moderation_filters",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    roomId: integer("room_id").references(() => rooms.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: ["word", "pattern"] }).notNull(),
    value: text("value").notNull(),
    action: text("action", { enum: ["block", "mask", "flag"] }).notNull(),
    createdBy: integer("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
  },
  (t) => [
    index("moderation_filters_room_idx").on(t.roomId),
    check("moderation_filters_kind_check", sql`${t.kind} in ('word', 'pattern')`),
    check("moderation_filters_action_check", sql`${t.action} in ('block', 'mask', 'flag')`),
  ],
);

/** A room's moderation settings (a row only once one was set). */
export const roomModeration = pgTable("room_moderation", {
  roomId: roomRef().primaryKey(),
  slowModeSeconds: integer("slow_mode_seconds").notNull().default(0),
  updatedAt: timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
});

/** A user who may read a room but not write in it until `until`. */
export const roomMutes = pgTable(
  "room_mutes",
  {
    roomId: roomRef(),
    userId: userRef(),
    until: timestamp("until", { withTimezone: true, mode: "date" }).notNull(),
    mutedBy: integer("muted_by").references(() => users.id, { onDelete: "set null" }),
    reason: text("reason"),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.roomId, t.userId] })],
);

/** A user whose events in a room only they see (`messages.hidden` marks them). */
export const roomShadowBans = pgTable(
  "room_shadow_bans",
  {
    roomId: roomRef(),
    userId: userRef(),
    createdBy: integer("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.roomId, t.userId] })],
);

export const REPORT_REASONS = [
  "spam",
  "harassment",
  "hate",
  "sexual",
  "violence",
  "other",
  "filter",
] as const;
export const REPORT_STATUSES = ["open", "dismissed", "deleted", "muted", "banned"] as const;

/** A message reported by a reader (once each), or flagged by a filter (`reporter_id` null). */
export const messageReports = pgTable(
  "message_reports",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    roomId: roomRef(),
    messageId: text("message_id").notNull(),
    reportedUserId: integer("reported_user_id").references(() => users.id, { onDelete: "set null" }),
    reporterId: integer("reporter_id").references(() => users.id, { onDelete: "set null" }),
    reason: text("reason", { enum: REPORT_REASONS }).notNull(),
    note: text("note"),
    status: text("status", { enum: REPORT_STATUSES }).notNull().default("open"),
    resolvedBy: integer("resolved_by").references(() => users.id, { onDelete: "set null" }),
    resolvedAt: timestamp("resolved_at", { withTimezone: true, mode: "date" }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("message_reports_once_idx")
      .on(t.messageId, t.reporterId)
      .where(sql`${t.reporterId} is not null`),
    index("message_reports_queue_idx").on(t.roomId, t.status, t.id),
    check(
      "message_reports_reason_check",
      sql`${t.reason} in ('spam', 'harassment', 'hate', 'sexual', 'violence', 'other', 'filter')`,
    ),
    check(
      "message_reports_status_check",
      sql`${t.status} in ('open', 'dismissed', 'deleted', 'muted', 'banned')`,
    ),
  ],
);

/** Every moderation action: who, what, when, on what. Outlives the room (`room_id` set null). */
export const moderationAudit = pgTable(
  "moderation_audit",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    roomId: integer("room_id").references(() => rooms.id, { onDelete: "set null" }),
    actorId: integer("actor_id").references(() => users.id, { onDelete: "set null" }),
    action: text("action").notNull(),
    targetUserId: integer("target_user_id").references(() => users.id, { onDelete: "set null" }),
    targetMessageId: text("target_message_id"),
    details: jsonb("details"),
    createdAt: createdAt(),
  },
  (t) => [index("moderation_audit_room_idx").on(t.roomId, t.id)],
);
