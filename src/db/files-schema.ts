import { sql } from "drizzle-orm";
import { bigint, check, index, integer, pgTable, text, timestamp } from "drizzle-orm/pg-core";
import { createdAt, rooms, users } from "./schema";

// The files' tables (issue 22), beside the core schema (drizzle.config.ts lists both files).

/**
 * Files users uploaded (issue 22). The bytes are in R2 under the upload's id; this row says whose
 * they are and, once a message claimed them, which message of which room. An upload belongs to at
 * most one message (`message_id` is set once, by the room that sequences the message). Deleting a
 * row queues its blob in `blob_deletions` (a trigger, migrations/0008_files.sql), whichever
 * statement or cascade deletes it.
 */
export const uploads = pgTable(
  "uploads",
  {
    /** ULID; also the blob's key in R2. */
    id: text("id").primaryKey(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** The name it is served under (files/types.ts `storedName`). */
    name: text("name").notNull(),
    /** Sniffed from the bytes. */
    type: text("type").notNull(),
    size: bigint("size", { mode: "number" }).notNull(),
    width: integer("width"),
    height: integer("height"),
    /** uploading (bytes on their way to R2; counts against the quota) | ready */
    state: text("state", { enum: ["uploading", "ready"] })
      .notNull()
      .default("uploading"),
    roomId: integer("room_id").references(() => rooms.id, { onDelete: "cascade" }),
    messageId: text("message_id"),
    createdAt: createdAt(),
    attachedAt: timestamp("attached_at", { withTimezone: true, mode: "date" }),
    /** Set by the file sweeper once the claiming message is in PostgreSQL (files/claims.ts). */
    confirmedAt: timestamp("confirmed_at", { withTimezone: true, mode: "date" }),
  },
  (t) => [
    index("uploads_user_idx").on(t.userId),
    index("uploads_room_idx").on(t.roomId),
    index("uploads_message_idx").on(t.messageId).where(sql`${t.messageId} is not null`),
    index("uploads_pending_idx").on(t.createdAt).where(sql`${t.messageId} is null`),
    index("uploads_unconfirmed_idx")
      .on(t.attachedAt)
      .where(sql`${t.messageId} is not null and ${t.confirmedAt} is null`),
    check("uploads_state_check", sql`${t.state} in ('uploading', 'ready')`),
    check("uploads_attached_check", sql`(${t.roomId} is null) = (${t.messageId} is null)`),
  ],
);

/** Blobs whose rows are gone, to delete from R2 (files/sweeper.ts drains it, retrying on failure). */
export const blobDeletions = pgTable("blob_deletions", {
  key: text("key").primaryKey(),
  enqueuedAt: timestamp("enqueued_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
});

export type UploadRow = typeof uploads.$inferSelect;
