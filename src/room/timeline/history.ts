import { withDb } from "../../db/client";
import type { Config } from "../../env";
import type { MessageEvent } from "../../protocol";
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
