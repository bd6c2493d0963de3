import { withDb } from "../../db/client";
import type { Config } from "../../env";
import { toJsonText } from "../../json-text";
import { type MessageEvent, toMessageOut } from "../../protocol";
import type { HistoryBody } from "./page-memo";
import { type HistoryWindow, readTimeline } from "./postgres-reads";
import type { Timeline } from "./timeline";

/**
 * A page of the room's messages, oldest first, in their current state. From the room's own
 * cache when it holds the whole window (no database round trip: the most frequent REST call of a
 * chat client, opening a room, is answered by the room alone); otherwise from PostgreSQL, merged
 * with what the cache knows and PostgreSQL may not have yet (messages, edits and deletes not
 * copied so far), so REST always reads its own writes.
 */
export async function historyPage(
  timeline: Timeline,
  config: Config,
  w: HistoryWindow,
): Promise<MessageEvent[]> {
  return timeline.cache.messagesPage(w) ?? storedPage(timeline, config, w);
}

/** A page the cache cannot answer whole: PostgreSQL's, merged with what the cache knows. */
async function storedPage(timeline: Timeline, config: Config, w: HistoryWindow): Promise<MessageEvent[]> {
  const stored = await withDb(config, (db) => readTimeline(db, timeline.roomId, w, true));
  const bySeq = new Map<number, MessageEvent>();
  for (const e of stored) if (e.type === "message") bySeq.set(e.seq, timeline.cache.current(e));
  for (const e of timeline.cache.cachedMessagesWithin(w)) bySeq.set(e.seq, e);
  const sorted = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
  return w.after !== undefined ? sorted.slice(0, w.limit) : sorted.slice(-w.limit);
}

export type { HistoryBody } from "./page-memo";

/** Decorates a page as one viewer sees it (`Conversation.decorate`: hidden events, reactions, threads). */
export type Decorate = (page: MessageEvent[], viewerId: number) => Promise<MessageEvent[]>;

/**
 * A history page as `viewerId` sees it, as REST's response body. A page the room's cache
 * answered whole is kept (`cache.pages`) until the room's storage next changes, so the same
 * page asked again — a room opened by its readers between two messages — is answered without
 * reading, decorating or serializing it again. A page that needed PostgreSQL is not kept: what
 * PostgreSQL adds (e.g. a renamed author's name, joined there) may change without the room.
 */
export async function historyBodyFor(
  timeline: Timeline,
  config: Config,
  decorate: Decorate,
  viewerId: number,
  w: HistoryWindow,
): Promise<HistoryBody> {
  const key = `${viewerId} ${w.limit} ${w.before ?? ""} ${w.after ?? ""}`;
  const { kept, mark } = timeline.cache.pages.find(key);
  if (kept) return kept;
  const cached = timeline.cache.messagesPage(w);
  const body = historyBody(await decorate(cached ?? (await storedPage(timeline, config, w)), viewerId));
  if (cached) timeline.cache.pages.keep(key, body, mark);
  return body;
}

/**
 * Serialized in the room, so the worker passes the page through as its response body: one
 * string crosses the RPC instead of a structured clone of every message, and the worker neither
 * rebuilds nor re-serializes it. `authors` (of the messages and of what they quote) lets the
 * worker see whether the caller blocked anyone on the page without reading the text
 * (domain/messages.ts).
 */
export function historyBody(page: MessageEvent[]): HistoryBody {
  const authors = new Set<number>();
  for (const m of page) {
    if (m.user_id !== null) authors.add(m.user_id);
    // A reply quotes its parent's author, whom the reader may have blocked too.
    if (m.parent?.user_id != null) authors.add(m.parent.user_id);
  }
  return { body: toJsonText(page.map(toMessageOut)), authors: [...authors] };
}
