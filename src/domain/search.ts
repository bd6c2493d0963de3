import { and, desc, eq, gt, isNull, lt, not, or, type SQL, sql } from "drizzle-orm";
import type { SessionUser } from "../auth/session";
import type { UserScope } from "../context";
import type { Db } from "../db/client";
import { pgError } from "../db/errors";
import { messages, roomBans, roomMembers, rooms, users } from "../db/schema";
import { AppError } from "../errors";
import type { MessageEvent } from "../protocol";
import { quoteAs } from "../room";
import { fromPostgres, toMessageEvent } from "./event-rows";
import { blockedAuthor, blockedUsers } from "./people";

/**
 * Messages of the rooms the user may read now: not banned, and a public room, a room they are a
 * member of, or (global admins) any room. Decided per query, so a user who left a private room
 * no longer finds its messages.
 */
export function readableBy(user: { id: number; isAdmin: boolean }): SQL {
  const banned = sql`exists (select 1 from ${roomBans} where ${roomBans.roomId} = ${messages.roomId} and ${roomBans.userId} = ${user.id})`;
  const member = sql`exists (select 1 from ${roomMembers} where ${roomMembers.roomId} = ${messages.roomId} and ${roomMembers.userId} = ${user.id})`;
  const publicRoom = sql`exists (select 1 from ${rooms} where ${rooms.id} = ${messages.roomId} and ${rooms.kind} = 'public')`;
  return user.isAdmin ? sql`not ${banned}` : sql`(not ${banned} and (${publicRoom} or ${member}))`;
}

/** A page position: the last result's time and id, opaque to clients. */
export const encodeCursor = (m: { created_at: string; id: string }) =>
  btoa(`${Date.parse(m.created_at)}:${m.id}`).replaceAll("=", "");

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
/** The largest time a JavaScript Date holds (±8.64e15 ms); PostgreSQL holds every one from 1970 on. */
const MAX_DATE_MS = 8.64e15;

export function decodeCursor(cursor: string): { at: Date; id: string } {
  const refused = new AppError("invalid_cursor", 422, "The cursor is not one this server gave out");
  let parts: string[];
  try {
    parts = atob(cursor).split(":");
  } catch {
    throw refused;
  }
  const [at, id, ...rest] = parts;
  const ms = Number(at);
  // Out-of-range times used to reach PostgreSQL (or Date.toISOString) and answer 500.
  if (rest.length > 0 || !id || !ULID.test(id) || !Number.isSafeInteger(ms) || ms < 0 || ms > MAX_DATE_MS) {
    throw refused;
  }
  return { at: new Date(ms), id };
}

/** Newer than the cursor's position is excluded: pages go from newest to oldest. */
export const beforeCursor = (cursor: string | undefined): SQL | undefined => {
  if (cursor === undefined) return undefined;
  const c = decodeCursor(cursor);
  return or(lt(messages.createdAt, c.at), and(eq(messages.createdAt, c.at), lt(messages.id, c.id)));
};

/** The words of a query, for substring matching and highlighting (operators dropped, each once). */
export function queryTerms(q: string): string[] {
  const words = q
    .replaceAll('"', " ")
    .split(/\s+/u)
    .filter((t) => t.length > 0 && !t.startsWith("-") && t.toLowerCase() !== "or");
  const seen = new Set<string>();
  return words.filter((t) => !seen.has(t.toLowerCase()) && seen.add(t.toLowerCase()));
}

/** Most distinct terms one search may have (each is a condition on every candidate row). */
export const SEARCH_MAX_TERMS = 8;
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;

/**
 * Whether a term is long enough for the substring path: three characters (what a trigram index
 * can use; a shorter `ILIKE '%e%'` reads every row), two for Chinese, Japanese or Korean, whose
 * words are often two characters. Shorter terms are still found as whole words.
 */
export const substringWorthy = (t: string) => {
  const chars = [...t].length;
  return chars >= 3 || (chars === 2 && CJK.test(t));
};

const likeEscape = (t: string) => t.replace(/[\\%_]/g, (c) => `\\${c}`);

const SNIPPET_CHARS = 160;
const escapeRegExp = (t: string) => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * The part of `content` around the first match, and where each term occurs in it (UTF-16
 * offsets `[start, end)`), so a client highlights without parsing markup.
 */
export function snippetOf(
  content: string,
  terms: string[],
): { snippet: string; highlights: Array<[number, number]> } {
  const pattern = terms.length > 0 ? new RegExp(terms.map(escapeRegExp).join("|"), "giu") : null;
  const first = pattern ? content.search(pattern) : -1;
  let start = first <= SNIPPET_CHARS / 3 ? 0 : first - Math.floor(SNIPPET_CHARS / 3);
  // Never start or end inside a surrogate pair.
  if (start > 0 && /[\uDC00-\uDFFF]/.test(content[start] ?? "")) start--;
  let end = Math.min(content.length, start + SNIPPET_CHARS);
  if (end < content.length && /[\uDC00-\uDFFF]/.test(content[end] ?? "")) end++;
  const body = content.slice(start, end);
  const snippet = `${start > 0 ? "…" : ""}${body}${end < content.length ? "…" : ""}`;
  const shift = start > 0 ? 1 : 0;
  const highlights: Array<[number, number]> = [];
  if (pattern) {
    for (const m of body.matchAll(pattern)) {
      if (m[0].length > 0) highlights.push([m.index + shift, m.index + shift + m[0].length]);
    }
  }
  return { snippet, highlights };
}

export type SearchQuery = {
  q: string;
  room_id?: number | undefined;
  from?: number | undefined;
  before?: Date | undefined;
  after?: Date | undefined;
  cursor?: string | undefined;
  limit: number;
};

export type SearchHit = MessageEvent & { snippet: string; highlights: Array<[number, number]> };

/** Messages (not edit/delete events), not deleted, in rooms the user may read now, not by users they blocked. */
const currentMessagesReadableBy = (user: SessionUser) =>
  and(
    eq(messages.kind, "message"),
    isNull(messages.deletedAt),
    readableBy(user),
    notHiddenFrom(user.id),
    not(blockedAuthor(user.id, messages.userId)),
  );

/** A shadow-banned author's messages are found by that author only. */
export const notHiddenFrom = (userId: number) => or(eq(messages.hidden, false), eq(messages.userId, userId));

/**
 * Messages matching `q` in the rooms the user may read now, newest first. A message matches when
 * PostgreSQL's word search finds the query (websearch syntax: "a phrase", or, -word; the GIN
 * index on `search`) or when every term occurs in the text as typed (the trigram index): the
 * latter finds partial words and Chinese, Japanese or Korean text, which has no spaces between
 * words. Only current text is searched: an edit replaces the old text, a delete removes it.
 */
export async function searchMessages(
  s: UserScope,
  query: SearchQuery,
): Promise<{ results: SearchHit[]; next_cursor: string | null }> {
  const terms = queryTerms(query.q);
  if (terms.length === 0) throw new AppError("empty_query", 422, "Search for at least one word");
  if (terms.length > SEARCH_MAX_TERMS) {
    throw new AppError("too_many_terms", 422, `Search for at most ${SEARCH_MAX_TERMS} different words`);
  }
  const words = sql`${messages.search} @@ websearch_to_tsquery('simple', ${query.q})`;
  // The substring path only when every term can use the trigram index.
  const substrings = terms.every(substringWorthy)
    ? and(...terms.map((t) => sql`${messages.content} ilike ${`%${likeEscape(t)}%`}`))
    : undefined;
  const { page, next_cursor } = await newestFirst(
    s,
    and(
      substrings ? or(words, substrings) : words,
      query.room_id === undefined ? undefined : eq(messages.roomId, query.room_id),
      query.from === undefined ? undefined : eq(messages.userId, query.from),
      query.before === undefined ? undefined : lt(messages.createdAt, query.before),
      query.after === undefined ? undefined : gt(messages.createdAt, query.after),
    ),
    query,
  );
  return { results: page.map((e) => ({ ...e, ...snippetOf(e.content ?? "", terms) })), next_cursor };
}

/**
 * The user's recent mentions, newest first, in rooms they are a member of and may still read;
 * deleted messages and mentions in rooms they left (or never joined: a stranger's `@you` in a
 * public room is no claim on your attention) are not listed.
 */
export async function listMentions(
  s: UserScope,
  query: { limit: number; cursor?: string | undefined; room_id?: number | undefined },
): Promise<{ results: MessageEvent[]; next_cursor: string | null }> {
  const { page, next_cursor } = await newestFirst(
    s,
    and(
      sql`${messages.mentions} @> array[${s.user.id}::int]`,
      sql`exists (select 1 from ${roomMembers} where ${roomMembers.roomId} = ${messages.roomId} and ${roomMembers.userId} = ${s.user.id})`,
      query.room_id === undefined ? undefined : eq(messages.roomId, query.room_id),
    ),
    query,
  );
  return { results: page, next_cursor };
}

/** A page of current messages the user may read that match `where`, newest first, and the next cursor. */
async function newestFirst(
  s: UserScope,
  where: SQL | undefined,
  q: { limit: number; cursor?: string | undefined },
) {
  const cursor = beforeCursor(q.cursor);
  const rows = await withinBudget(s, (tx) =>
    tx
      .select({ m: messages, username: users.username })
      .from(messages)
      .leftJoin(users, eq(users.id, messages.userId))
      .where(and(currentMessagesReadableBy(s.user), where, cursor))
      .orderBy(desc(messages.createdAt), desc(messages.id))
      .limit(q.limit + 1),
  );
  // What a result quotes of someone the reader blocked, or of a message hidden from them, is
  // hidden, as in the room (`quoteAs`).
  const blocked = new Set(await (s.user.blocked ?? blockedUsers(s.env, s.user.id)));
  const reader = { id: s.user.id, hides: (id: number | null) => id !== null && blocked.has(id) };
  const page = rows
    .slice(0, q.limit)
    .map(({ m, username }) => quoteAs(toMessageEvent(m.roomId, fromPostgres(m, username)), reader));
  const last = page.at(-1);
  return { page, next_cursor: rows.length > q.limit && last ? encodeCursor(last) : null };
}

/**
 * Runs a search statement under `SEARCH_TIMEOUT_MS` (`SET LOCAL statement_timeout`, so the budget
 * ends with the transaction): one expensive query cannot hold PostgreSQL for seconds.
 */
async function withinBudget<T>(s: UserScope, query: (tx: Db) => Promise<T>): Promise<T> {
  try {
    return await s.db.transaction(async (tx) => {
      await tx.execute(sql.raw(`set local statement_timeout = ${s.config.SEARCH_TIMEOUT_MS}`));
      return query(tx as unknown as Db);
    });
  } catch (err) {
    // 57014: query_canceled, which is what statement_timeout raises.
    if (pgError(err)?.code === "57014") {
      throw new AppError(
        "search_timeout",
        503,
        "The search took too long; narrow it (room_id, longer words)",
      );
    }
    throw err;
  }
}
