import type { Db } from "../db/client";
import { type HistoryWindow, readTimeline } from "../db/history";
import type { UserRow } from "../db/schema";
import type { Bindings } from "../env";
import { AppError } from "../errors";
import type { Actor } from "../room/fanout";
import type { MessageEvent, TimelineEvent } from "../room/protocol";
import type { Outcome } from "../room/room";
import { roomStub } from "../room/stub";
import { type RoomAccess, requireReader, requireWriter } from "./access";

const actorOf = (user: UserRow, access: RoomAccess): Actor => ({
  user: { id: user.id, username: user.username },
  role: access.role,
  isAdmin: user.isAdmin,
});

function unwrap<T>(outcome: Outcome<T>): T {
  if (!outcome.ok) throw new AppError(outcome.code, outcome.status, outcome.message);
  return outcome.value;
}

/**
 * A page of a room's messages, oldest first, in their current state. Reads its own writes:
 * events the room object has acknowledged but not yet copied to PostgreSQL are merged in by seq,
 * edits and deletes among them applied to the messages of the page.
 */
export async function listMessages(
  db: Db,
  env: Bindings,
  user: UserRow,
  roomId: number,
  w: HistoryWindow,
): Promise<MessageEvent[]> {
  await requireReader(db, user, roomId);
  const [stored, pending] = await Promise.all([
    readTimeline(db, roomId, w, true),
    roomStub(env, roomId).unflushed(),
  ]);
  const bySeq = new Map(stored.map((e) => [e.seq, e as MessageEvent]));
  const inWindow = (seq: number) =>
    w.after !== undefined ? seq > w.after : w.before === undefined || seq < w.before;
  for (const e of pending) if (e.type === "message" && inWindow(e.seq)) bySeq.set(e.seq, e);
  const sorted = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
  const page = w.after !== undefined ? sorted.slice(0, w.limit) : sorted.slice(-w.limit);
  return applyPending(page, pending);
}

/** Applies not-yet-copied edits and deletes to messages PostgreSQL still shows in their old state. */
function applyPending(page: MessageEvent[], pending: TimelineEvent[]): MessageEvent[] {
  const byId = new Map(page.map((m) => [m.id, m]));
  for (const e of pending) {
    const m = e.type === "message" ? undefined : byId.get(e.message_id);
    if (!m || e.type === "message") continue;
    if (e.type === "message.edited" && !m.deleted)
      byId.set(m.id, { ...m, content: e.content, edited_at: e.edited_at });
    if (e.type === "message.deleted") byId.set(m.id, { ...m, content: null, deleted: true });
  }
  return page.map((m) => byId.get(m.id) ?? m);
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
  await requireWriter(db, user, roomId);
  return unwrap(
    await roomStub(env, roomId).sendMessage(
      roomId,
      { id: user.id, username: user.username },
      content,
      clientId,
    ),
  );
}

export async function editMessage(
  db: Db,
  env: Bindings,
  user: UserRow,
  roomId: number,
  id: string,
  content: string,
) {
  const access = await requireWriter(db, user, roomId, { join: false });
  return unwrap(await roomStub(env, roomId).editMessage(roomId, actorOf(user, access), id, content));
}

export async function deleteMessage(db: Db, env: Bindings, user: UserRow, roomId: number, id: string) {
  const access = await requireReader(db, user, roomId);
  return unwrap(await roomStub(env, roomId).deleteMessage(roomId, actorOf(user, access), id));
}
