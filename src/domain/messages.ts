import type { SessionUser } from "../auth/session";
import type { Db } from "../db/client";
import type { UserRow } from "../db/schema";
import type { Bindings } from "../env";
import { type HistoryWindow, readTimeline } from "../room/events";
import type { Actor } from "../room/fanout";
import type { MessageEvent, TimelineEvent } from "../room/protocol";
import { unwrap } from "../room/reply";
import { roomStub } from "../room/stub";
import { type RoomAccess, requireReader, requireWriter } from "./access";

/** The acting user as the room object sees them: identity, room role, global admin flag. */
export const actorOf = (
  user: Pick<UserRow, "id" | "username" | "isAdmin">,
  role: RoomAccess["role"],
): Actor => ({
  user: { id: user.id, username: user.username },
  role,
  isAdmin: user.isAdmin,
});

/**
 * A page of a room's messages, oldest first, in their current state. Reads its own writes:
 * events the room object has acknowledged but not yet copied to PostgreSQL are merged in by seq,
 * edits and deletes among them applied to the messages of the page.
 */
export async function listMessages(
  db: Db,
  env: Bindings,
  user: SessionUser,
  roomId: number,
  w: HistoryWindow,
): Promise<MessageEvent[]> {
  await requireReader(db, user, roomId);
  const [stored, pending] = await Promise.all([
    readTimeline(db, roomId, w, true),
    roomStub(env, roomId).unflushed(),
  ]);
  const bySeq = new Map<number, MessageEvent>();
  for (const e of stored) if (e.type === "message") bySeq.set(e.seq, e);
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
    if (e.type === "message") continue;
    const m = byId.get(e.message_id);
    if (!m) continue;
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
  user: SessionUser,
  roomId: number,
  content: string,
  clientId: string | null,
) {
  await requireWriter(db, user, roomId);
  return unwrap(roomStub(env, roomId).sendMessage(roomId, actorOf(user, null).user, content, clientId));
}

export async function editMessage(
  db: Db,
  env: Bindings,
  user: SessionUser,
  roomId: number,
  id: string,
  content: string,
) {
  const access = await requireWriter(db, user, roomId, { join: false });
  return unwrap(roomStub(env, roomId).editMessage(roomId, actorOf(user, access.role), id, content));
}

export async function deleteMessage(db: Db, env: Bindings, user: SessionUser, roomId: number, id: string) {
  const access = await requireReader(db, user, roomId);
  return unwrap(roomStub(env, roomId).deleteMessage(roomId, actorOf(user, access.role), id));
}
