import type { SessionUser } from "../auth/session";
import type { Bindings } from "../env";
import type { HistoryWindow } from "../room/events";
import type { SocketUser } from "../room/fanout";
import { unwrap } from "../room/reply";
import { roomStub } from "../room/stub";

/**
 * Messages are the room's business: its object decides access from its own roster and answers
 * from its own cache when it can, so a warm room needs no database round trip for these.
 */
export const asSocketUser = (user: Pick<SessionUser, "id" | "username" | "isAdmin">): SocketUser => ({
  user: { id: user.id, username: user.username },
  isAdmin: user.isAdmin,
});

/** A page of a room's messages, oldest first, in their current state (reads its own writes). */
export const listMessages = (env: Bindings, user: SessionUser, roomId: number, w: HistoryWindow) =>
  unwrap(roomStub(env, roomId).history(roomId, asSocketUser(user), w));

/** Sends through the room's object, the single writer of its timeline. */
export const postMessage = (
  env: Bindings,
  user: SessionUser,
  roomId: number,
  content: string,
  clientId: string | null,
) => unwrap(roomStub(env, roomId).sendMessage(roomId, asSocketUser(user), content, clientId));

export const editMessage = (env: Bindings, user: SessionUser, roomId: number, id: string, content: string) =>
  unwrap(roomStub(env, roomId).editMessage(roomId, asSocketUser(user), id, content));

export const deleteMessage = (env: Bindings, user: SessionUser, roomId: number, id: string) =>
  unwrap(roomStub(env, roomId).deleteMessage(roomId, asSocketUser(user), id));

/** The room's row, if this user may see it. */
export const describeRoom = (env: Bindings, user: SessionUser, roomId: number) =>
  unwrap(roomStub(env, roomId).describe(roomId, asSocketUser(user)));
