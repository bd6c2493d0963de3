import { and, eq, inArray, sql } from "drizzle-orm";
import { withDb } from "../../db/client";
import { databaseUnavailable } from "../../db/errors";
import { users } from "../../db/schema";
import type { Config } from "../../env";
import { USERNAME_CHARS, USERNAME_MAX, USERNAME_MIN } from "../../protocol";
import type { Roster } from "../access/roster";

/** `@` and a username (the username rule of protocol/kinds.ts), not inside a word or an address. */
const MENTION = new RegExp(
  `(?<![\\p{L}\\p{N}_.-])@([${USERNAME_CHARS}]{${USERNAME_MIN},${USERNAME_MAX}})`,
  "gu",
);
/** Mentions resolved per message; more `@names` than this are left as plain text. */
export const MAX_MENTIONS_PER_MESSAGE = 20;

/** The `@usernames` written in a text, lower-cased, distinct, in order. */
export function mentionedNames(content: string): string[] {
  const names = new Set<string>();
  for (const m of content.matchAll(MENTION)) {
    // A trailing '.' or '-' ends a sentence more often than a name.
    const name = (m[1] ?? "").replace(/[.-]+$/, "").toLowerCase();
    if (name.length >= 3) names.add(name);
    if (names.size >= MAX_MENTIONS_PER_MESSAGE) break;
  }
  return [...names];
}

/**
 * The users a text mentions: `@username` of an active member of this room (by the room's roster,
 * not banned), the author excepted — in public rooms too: a stranger's `@you` in a room you never
 * joined does not reach you, and the sender cannot list who exists or who is deactivated by
 * mentioning names. Anyone else is silently not mentioned. One query, and only for texts that contain an `@name`. While
 * PostgreSQL is unreachable the message is still sent (the room keeps accepting), unmentioned.
 */
export async function resolveMentions(
  config: Config,
  roster: Roster,
  authorId: number,
  content: string,
): Promise<number[]> {
  const names = mentionedNames(content);
  if (names.length === 0) return [];
  let found: Array<{ id: number }>;
  try {
    found = await withDb(config, (db) =>
      db
        .select({ id: users.id })
        .from(users)
        .where(and(inArray(sql`lower(${users.username})`, names), eq(users.isActive, true))),
    );
  } catch (err) {
    if (!databaseUnavailable(err)) throw err;
    console.warn("mentions: PostgreSQL unreachable, sending without mentions", err);
    return [];
  }
  return found
    .map((u) => u.id)
    .filter((id) => {
      if (id === authorId) return false;
      const m = roster.membership(id);
      return m.role !== null && !m.banned;
    });
}
