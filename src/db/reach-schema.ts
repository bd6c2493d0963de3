import { sql } from "drizzle-orm";
import {
  check,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import { createdAt, roomRef, userRef, users } from "./schema";

// Tables of issue 21 (reaching people who are away, and programs), beside schema.ts.

/** A device's Web Push subscription (`PushSubscription.toJSON()`); an endpoint belongs to one user. */
export const pushSubscriptions = pgTable(
  "push_subscriptions",
  {
    id: text("id").primaryKey(),
    userId: userRef(),
    endpoint: text("endpoint").notNull(),
    /** base64url, as the browser gives them: the P-256 point and the 16-byte auth secret. */
    p256dh: text("p256dh").notNull(),
    auth: text("auth").notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true, mode: "date" }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("push_subscriptions_endpoint_idx").on(t.endpoint),
    index("push_subscriptions_user_idx").on(t.userId),
  ],
);

/** A user's notification choice for one room; no row: the default (DMs all, other rooms mentions). */
export const notificationSettings = pgTable(
  "notification_settings",
  {
    userId: userRef(),
    roomId: roomRef(),
    level: text("level", { enum: ["all", "mentions", "nothing"] }).notNull(),
    mutedUntil: timestamp("muted_until", { withTimezone: true, mode: "date" }),
    updatedAt: timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.roomId] }),
    check("notification_settings_level_check", sql`${t.level} in ('all', 'mentions', 'nothing')`),
  ],
);

/** A room's webhook endpoint. The secret signs deliveries, so it is kept (it is not a password). */
export const webhookEndpoints = pgTable(
  "webhook_endpoints",
  {
    id: text("id").primaryKey(),
    roomId: roomRef(),
    url: text("url").notNull(),
    secret: text("secret").notNull(),
    createdBy: integer("created_by").references(() => users.id, { onDelete: "set null" }),
    state: text("state", { enum: ["active", "disabled"] })
      .notNull()
      .default("active"),
    disabledReason: text("disabled_reason"),
    createdAt: createdAt(),
  },
  (t) => [
    index("webhook_endpoints_room_idx").on(t.roomId),
    check("webhook_endpoints_state_check", sql`${t.state} in ('active', 'disabled')`),
  ],
);

/** A bot's API key: only a SHA-256 of its secret part is kept; scoped to rooms and actions. */
export const apiKeys = pgTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    userId: userRef(),
    hash: text("hash").notNull(),
    rooms: integer("rooms").array().notNull(),
    actions: text("actions").array().notNull(),
    createdAt: createdAt(),
    revokedAt: timestamp("revoked_at", { withTimezone: true, mode: "date" }),
  },
  (t) => [index("api_keys_user_idx").on(t.userId)],
);
