import { sql } from "drizzle-orm";
import { check, index, integer, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";
import { users } from "./schema";

/** Issue 19's tables, beside schema.ts (which has no room for them): sessions and blocks. */

const at = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });
const userRef = (name: string) =>
  integer(name)
    .notNull()
    .references(() => users.id, { onDelete: "cascade" });

/**
 * A signed-in device: what `GET /auth/sessions` lists. Access tokens carry its id (`sid`);
 * revoking it stops them and its refresh tokens at once (src/account/).
 */
export const sessions = pgTable(
  "sessions",
  {
    id: text("id").primaryKey(),
    userId: userRef("user_id"),
    createdAt: at("created_at").notNull().defaultNow(),
    lastUsedAt: at("last_used_at").notNull().defaultNow(),
    /** Sliding: each refresh moves it to now + REFRESH_TOKEN_TTL_SECONDS. */
    expiresAt: at("expires_at").notNull(),
    userAgent: text("user_agent"),
    address: text("address"),
    revokedAt: at("revoked_at"),
    /** logout | revoked | password_changed | refresh_token_reused | evicted */
    revokedReason: text("revoked_reason"),
  },
  (t) => [index("sessions_user_idx").on(t.userId, t.lastUsedAt)],
);

/**
 * A session's refresh tokens, by SHA-256 of the token (never the token itself). One is current
 * (`retired_at` null); retired ones are kept to recognise reuse (RFC 9700 §4.14).
 */
export const refreshTokens = pgTable(
  "refresh_tokens",
  {
    tokenHash: text("token_hash").primaryKey(),
    sessionId: text("session_id")
      .notNull()
      .references(() => sessions.id, { onDelete: "cascade" }),
    issuedAt: at("issued_at").notNull().defaultNow(),
    retiredAt: at("retired_at"),
    /** The hash of the token that replaced this one: the grace window answers with that pair. */
    successorHash: text("successor_hash"),
  },
  (t) => [index("refresh_tokens_session_idx").on(t.sessionId, t.issuedAt)],
);

/** `blocker` no longer sees `blocked` (README, People). */
export const userBlocks = pgTable(
  "user_blocks",
  {
    blockerId: userRef("blocker_id"),
    blockedId: userRef("blocked_id"),
    createdAt: at("created_at").notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.blockerId, t.blockedId] }),
    index("user_blocks_blocked_idx").on(t.blockedId),
    check("user_blocks_not_self_check", sql`${t.blockerId} <> ${t.blockedId}`),
  ],
);

export type SessionRow = typeof sessions.$inferSelect;
