import { sql } from "drizzle-orm";
import {
  type AnyPgColumn,
  bigint,
  boolean,
  check,
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import { EVENT_ROW_KINDS, ROOM_KINDS, ROOM_ROLES } from "../protocol/kinds";

const tsvector = customType<{ data: string }>({ dataType: () => "tsvector" });

export const createdAt = () =>
  timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow();

export const users = pgTable(
  "users",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    username: text("username").notNull(),
    /** Stored lower-cased; unique. */
    email: text("email").notNull(),
    fullName: text("full_name"),
    /** `pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>`: parameters travel with the hash. */
    passwordHash: text("password_hash").notNull(),
    isAdmin: boolean("is_admin").notNull().default(false),
    isActive: boolean("is_active").notNull().default(true),
    /** Bumped on password change; tokens carry it, so older tokens stop working. */
    tokenVersion: integer("token_version").notNull().default(0),
    /** A bot (issue 21): signs in only with API keys, owned by the user who created it. */
    isBot: boolean("is_bot").notNull().default(false),
    botOwnerId: integer("bot_owner_id").references((): AnyPgColumn => users.id, { onDelete: "cascade" }),
    createdAt: createdAt(),
    updatedAt: timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("users_username_lower_idx").on(sql`lower(${t.username})`),
    uniqueIndex("users_email_idx").on(t.email),
    index("users_bot_owner_idx").on(t.botOwnerId).where(sql`${t.botOwnerId} is not null`),
    // The people directory (GET /user/search): username prefixes, word prefixes of full names.
    index("users_username_prefix_idx").on(sql`lower(${t.username}) text_pattern_ops`),
    index("users_full_name_trgm_idx").using("gin", sql`lower(${t.fullName}) gin_trgm_ops`),
  ],
);

export const rooms = pgTable(
  "rooms",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    name: text("name").notNull(),
    description: text("description"),
    /** public | private | direct */
    kind: text("kind", { enum: ROOM_KINDS }).notNull().default("public"),
    /** Direct rooms only: "<lower user id>:<higher user id>", unique, so each pair has one room. */
    dmKey: text("dm_key"),
    /** Null once the owner's account was deleted: the room and its messages outlive any one user. */
    ownerId: integer("owner_id").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
    updatedAt: timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (t) => [
    index("rooms_owner_idx").on(t.ownerId),
    uniqueIndex("rooms_dm_key_idx").on(t.dmKey),
    check("rooms_kind_check", sql`${t.kind} in ('public', 'private', 'direct')`),
  ],
);

/** A membership-like row belongs to one room and one user and goes with either. */
export const roomRef = () =>
  integer("room_id")
    .notNull()
    .references(() => rooms.id, { onDelete: "cascade" });
export const userRef = () =>
  integer("user_id")
    .notNull()
    .references(() => users.id, { onDelete: "cascade" });

export const roomMembers = pgTable(
  "room_members",
  {
    roomId: roomRef(),
    userId: userRef(),
    /** owner | admin | member */
    role: text("role", { enum: ROOM_ROLES }).notNull().default("member"),
    lastReadSeq: bigint("last_read_seq", { mode: "number" }).notNull().default(0),
    joinedAt: timestamp("joined_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.roomId, t.userId] }),
    index("room_members_user_idx").on(t.userId),
    check("room_members_role_check", sql`${t.role} in ('owner', 'admin', 'member')`),
  ],
);

export const roomBans = pgTable(
  "room_bans",
  {
    roomId: roomRef(),
    userId: userRef(),
    bannedBy: integer("banned_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.roomId, t.userId] })],
);

/**
 * The room's timeline as PostgreSQL keeps it. Rows of kind `message` are messages in their
 * current state (edits applied, deletes as tombstones without content); rows of kind `edit` and
 * `delete` are those events, so every `seq` of the timeline exists here exactly once.
 */
export const messages = pgTable(
  "messages",
  {
    /** ULID minted by the room's Durable Object before PostgreSQL sees the event. */
    id: text("id").primaryKey(),
    /** message | edit | delete | reaction | thread */
    kind: text("kind", { enum: EVENT_ROW_KINDS }).notNull().default("message"),
    /** For edit and delete events: the message they apply to. */
    targetId: text("target_id"),
    roomId: integer("room_id")
      .notNull()
      .references(() => rooms.id, { onDelete: "cascade" }),
    /** Per-room sequence: 1, 2, 3 … with no gaps. */
    seq: bigint("seq", { mode: "number" }).notNull(),
    /** Null once the author's account was deleted: a room's messages outlive any one user. */
    userId: integer("user_id").references(() => users.id, { onDelete: "set null" }),
    /** Null once the message is deleted (tombstone). Edit rows keep none: the message row has the text. */
    content: text("content"),
    clientId: text("client_id"),
    createdAt: createdAt(),
    editedAt: timestamp("edited_at", { withTimezone: true, mode: "date" }),
    deletedAt: timestamp("deleted_at", { withTimezone: true, mode: "date" }),
    /** A reply: the message (same room) it replies to. */
    replyTo: text("reply_to"),
    /** Users a message mentions (resolved by the room when it was sent). */
    mentions: integer("mentions").array(),
    /** What an event carries beyond text (domain/event-rows.ts `EventData`): parent preview, reaction, thread counters. */
    data: jsonb("data"),
    /** A thread root's counters, set from the room's `thread` events. */
    replyCount: integer("reply_count").notNull().default(0),
    lastReplyAt: timestamp("last_reply_at", { withTimezone: true, mode: "date" }),
    /**
     * Word search over the current text ('simple': no stemming, so German and English words are
     * found as written). Generated, so an edit re-indexes and a delete (content null) drops out.
     */
    search: tsvector("search").generatedAlwaysAs(sql`to_tsvector('simple', coalesce(content, ''))`),
    /** Sequenced while its author was shadow-banned: shown to the author only (`data.shadow`). */
    hidden: boolean("hidden").generatedAlwaysAs(sql`coalesce((data->>'shadow')::boolean, false)`),
  },
  (t) => [
    uniqueIndex("messages_room_seq_idx").on(t.roomId, t.seq),
    check("messages_kind_check", sql`${t.kind} in ('message', 'edit', 'delete', 'reaction', 'thread')`),
    index("messages_reply_to_idx").on(t.roomId, t.replyTo, t.seq).where(sql`${t.replyTo} is not null`),
    index("messages_mentions_idx").using("gin", t.mentions),
    index("messages_search_idx").using("gin", t.search),
    // Trigram index: substrings, partial words and CJK text (which has no spaces between words).
    index("messages_content_trgm_idx").using("gin", sql`${t.content} gin_trgm_ops`),
  ],
);

/**
 * Each user's reactions on a message, as the room's reaction events left them (the outbox applies
 * them in seq order). The room keeps the live copy; this serves messages older than its cache.
 */
export const messageReactions = pgTable(
  "message_reactions",
  {
    roomId: roomRef(),
    messageId: text("message_id").notNull(),
    userId: userRef(),
    key: text("key").notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.messageId, t.userId, t.key] }),
    index("message_reactions_room_idx").on(t.roomId),
  ],
);

/**
 * Events PostgreSQL refused for a data reason, isolated by the outbox so that the rest of the
 * room's timeline lands. Kept here, whole (the event as JSON, base64, so that any bytes fit), for
 * an operator to inspect (`GET /admin/outbox`); never silently dropped.
 */
export const outboxRejects = pgTable(
  "outbox_rejects",
  {
    roomId: roomRef(),
    seq: bigint("seq", { mode: "number" }).notNull(),
    eventId: text("event_id").notNull(),
    /** The event row as the room held it: JSON, base64-encoded. */
    payload: text("payload").notNull(),
    errorCode: text("error_code"),
    errorMessage: text("error_message").notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.roomId, t.seq] })],
);

/** Rooms whose copy to PostgreSQL keeps failing for a reason other than an outage: visible to operators. */
export const outboxStuck = pgTable("outbox_stuck", {
  roomId: roomRef().primaryKey(),
  failures: integer("failures").notNull(),
  backlog: integer("backlog").notNull(),
  lastError: text("last_error").notNull(),
  since: createdAt(),
  updatedAt: timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
});

/** Failed logins per key (`pair:<username>|<address>` and `account:<username>`), for the throttle. */
export const loginFailures = pgTable("login_failures", {
  key: text("key").primaryKey(),
  failures: integer("failures").notNull(),
  blockedUntil: timestamp("blocked_until", { withTimezone: true, mode: "date" }),
  updatedAt: timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
});

/** Accounts and addresses that logged in successfully (migration 0004): known devices. */
export const loginDevices = pgTable(
  "login_devices",
  {
    account: text("account").notNull(),
    address: text("address").notNull(),
    lastSuccessAt: timestamp("last_success_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.account, t.address] })],
);

/** Fixed-window counters of repeatable REST actions (migration 0004, domain/action-budget.ts). */
export const actionCounts = pgTable("action_counts", {
  key: text("key").primaryKey(),
  windowStart: timestamp("window_start", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  count: integer("count").notNull(),
});

export type UserRow = typeof users.$inferSelect;
export type RoomRow = typeof rooms.$inferSelect;
