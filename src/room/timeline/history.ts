import { withDb } from "../../db/client";
import type { Config } from "../../env";
import { type JsonText, toJsonText } from "../../json-text";
import { type Message, type MessageEvent, toMessageOut } from "../../protocol";
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
  const cached = timeline.cache.messagesPage(w);
  if (cached) return cached;
  const stored = await withDb(config, (db) => readTimeline(db, timeline.roomId, w, true));
  const bySeq = new Map<number, MessageEvent>();
  for (const e of stored) if (e.type === "message") bySeq.set(e.seq, timeline.cache.current(e));
  for (const e of timeline.cache.cachedMessagesWithin(w)) bySeq.set(e.seq, e);
  const sorted = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
  return w.after !== undefined ? sorted.slice(0, w.limit) : sorted.slice(-w.limit);
}

/** A history page as REST answers it: JSON text made once here, and who wrote its messages. */
export type HistoryBody = { body: JsonText<Message[]>; authors: number[] };

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
