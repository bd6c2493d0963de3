import type { Db } from "../db/client";
import { type HistoryWindow, readHistory } from "../db/history";
import type { UserRow } from "../db/schema";
import type { Bindings } from "../env";
import { AppError } from "../errors";
import type { MessageEvent } from "../room/protocol";
import { roomStub } from "../room/stub";
import { roomFor } from "./rooms";

/**
 * A page of a room's history, oldest first. Reads its own writes: events the room object has
 * acknowledged but not yet copied to PostgreSQL are merged in by seq.
 */
export async function listMessages(
  db: Db,
  env: Bindings,
  user: UserRow,
  roomId: number,
  w: HistoryWindow,
): Promise<MessageEvent[]> {
  await roomFor(db, user, roomId);
  const [stored, pending] = await Promise.all([
    readHistory(db, roomId, w),
    roomStub(env, roomId).unflushed(),
  ]);
  const bySeq = new Map(stored.map((e) => [e.seq, e]));
  for (const e of pending) {
    const inWindow = w.after !== undefined ? e.seq > w.after : w.before === undefined || e.seq < w.before;
    if (inWindow) bySeq.set(e.seq, e);
  }
  const sorted = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
  return w.after !== undefined ? sorted.slice(0, w.limit) : sorted.slice(-w.limit);
}

/** Sends through the room's object, the single writer of its timeline. */
export async function postMessage(
  db: Db,
  env: Bindings,
  user: UserRow,
  roomId: number,
  content: string,
  clientId: string | null,
): Promise<{ event: MessageEvent; duplicate: boolean }> {
  await roomFor(db, user, roomId);
  const outcome = await roomStub(env, roomId).sendMessage(
    roomId,
    { id: user.id, username: user.username },
    content,
    clientId,
  );
  if (!outcome.ok) throw new AppError(outcome.code, 422, outcome.message);
  return outcome.result;
}
