import { type AnyColumn, and, asc, desc, eq, or, type SQL, sql } from "drizzle-orm";
import { accountStub } from "../account/account";
import { MAX_BLOCKS_PER_USER } from "../account/block-store";
import type { UserScope } from "../context";
import { userBlocks } from "../db/people-schema";
import { type UserRow, users } from "../db/schema";
import type { Bindings } from "../env";
import { AppError, notFound, rateLimited } from "../errors";
import { blocksChanged } from "./block-notices";

/** What anyone signed in may see of a user: no email, no flags. */
export type PublicUser = { id: number; username: string; full_name: string | null };
const publicUser = { id: users.id, username: users.username, full_name: users.fullName };

export async function me(s: UserScope): Promise<UserRow> {
  const [row] = await s.db.select().from(users).where(eq(users.id, s.user.id)).limit(1);
  if (!row) throw notFound("User");
  return row;
}

const likePrefix = (q: string) => `${q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * The people directory: active users whose username, full name or a word of the full name starts
 * with `q` (case-insensitive), by username. Served by `users_username_prefix_idx` (btree,
 * text_pattern_ops) and `users_full_name_trgm_idx` (trigram). Limited per user, in their account
 * object, so that nobody can page through every user at speed.
 */
export async function searchPeople(
  s: UserScope,
  q: string,
  page: { limit: number; offset: number },
): Promise<PublicUser[]> {
  const wait = await accountStub(s.env, s.user.id).takeSearch();
  if (wait > 0) throw rateLimited("Too many directory searches; try again shortly", wait);
  const prefix = likePrefix(q);
  return s.db
    .select(publicUser)
    .from(users)
    .where(
      and(
        eq(users.isActive, true),
        or(
          sql`lower(${users.username}) like ${prefix}`,
          sql`lower(${users.fullName}) like ${prefix}`,
          sql`lower(${users.fullName}) like ${`% ${prefix}`}`,
        ),
      ),
    )
    .orderBy(asc(sql`lower(${users.username})`), asc(users.id))
    .limit(page.limit)
    .offset(page.offset);
}

/**
 * Blocks (`on`) or unblocks a user; idempotent. The change applies to open sockets at once, so
 * each call (a repeat too) is counted against BLOCK_CHANGES_PER_MINUTE before any work.
 */
export async function setBlock(s: UserScope, otherId: number, on: boolean): Promise<void> {
  if (otherId === s.user.id) throw new AppError("cannot_block_self", 422, "You cannot block yourself");
  const account = accountStub(s.env, s.user.id);
  const wait = await account.takeBlockChange();
  if (wait > 0) throw rateLimited("Too many block changes; try again shortly", wait);
  if (on) {
    const [other] = await s.db.select({ id: users.id }).from(users).where(eq(users.id, otherId)).limit(1);
    if (!other) throw notFound("User");
    const current = await account.blocked(s.user.id);
    if (current.length >= MAX_BLOCKS_PER_USER && !current.includes(otherId))
      throw new AppError("too_many_blocks", 409, `You can block at most ${MAX_BLOCKS_PER_USER} users`);
  }
  if (await account.setBlock(s.user.id, otherId, on)) await blocksChanged(s, otherId, on);
}

export async function listBlocks(s: UserScope, page: { limit: number; offset: number }) {
  return s.db
    .select({ user: publicUser, created_at: userBlocks.createdAt })
    .from(userBlocks)
    .innerJoin(users, eq(users.id, userBlocks.blockedId))
    .where(eq(userBlocks.blockerId, s.user.id))
    .orderBy(desc(userBlocks.createdAt), asc(users.id))
    .limit(page.limit)
    .offset(page.offset);
}

/**
 * The users `userId` blocked, from their account object's memory (no query). For other features
 * (the per-user channel, issue 20) that must hide what a blocked user does.
 */
export const blockedUsers = (env: Bindings, userId: number): Promise<number[]> =>
  accountStub(env, userId).blocked(userId);

/** Whether either of two users blocked the other (direct messages between them are refused). */
export async function eitherBlocked(s: UserScope, a: number, b: number): Promise<"mine" | "theirs" | null> {
  const rows = await s.db
    .select({ blocker: userBlocks.blockerId })
    .from(userBlocks)
    .where(
      or(
        and(eq(userBlocks.blockerId, a), eq(userBlocks.blockedId, b)),
        and(eq(userBlocks.blockerId, b), eq(userBlocks.blockedId, a)),
      ),
    );
  if (rows.some((r) => r.blocker === a)) return "mine";
  return rows.length > 0 ? "theirs" : null;
}

/** SQL: `author` (a column) is someone `viewerId` blocked. For counts, search and mentions. */
export const blockedAuthor = (viewerId: number, author: SQL | AnyColumn) =>
  sql`exists (select 1 from ${userBlocks} where ${userBlocks.blockerId} = ${viewerId} and ${userBlocks.blockedId} = ${author})`;
