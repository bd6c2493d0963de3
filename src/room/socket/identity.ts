import type { RoomRole, UserRef } from "../../protocol";

/**
 * Who a socket (or a REST call) belongs to, as the worker verified it. A socket keeps it in its
 * attachment, so that it survives hibernation; the room role is not kept there but read from the
 * room's roster when needed, so that a role change applies to open sockets at once.
 */
export type SocketUser = {
  user: UserRef;
  isAdmin: boolean;
  /** The session of the token the socket was opened with: ending the session closes it. */
  sessionId?: string;
};

/** Who is acting, with their role in this room. */
export type Actor = SocketUser & { role: RoomRole | null };

/** The tag of a user's sockets, to count and close them. */
export const userTag = (userId: number) => `u:${userId}`;

/**
 * Sockets' attachments as last written or read. Memory is a cache: the attachment is the truth,
 * and a socket woken from hibernation is a new object, so it reads its attachment again. Reading
 * one is a structured-clone deserialisation (every frame asks who sent it).
 */
const attachments = new WeakMap<WebSocket, unknown>();

/** A socket's attachment (what `writeAttachment` last stored); treat it as read-only. */
export function readAttachment<T>(ws: WebSocket): T {
  if (attachments.has(ws)) return attachments.get(ws) as T;
  const value = ws.deserializeAttachment() as T;
  attachments.set(ws, value);
  return value;
}

/** Stores a socket's attachment (it survives hibernation) and keeps it in memory. */
export function writeAttachment(ws: WebSocket, value: object) {
  ws.serializeAttachment(value);
  attachments.set(ws, value);
}

export const attachmentOf = (ws: WebSocket) => readAttachment<SocketUser>(ws);

/** The sockets opened with one of these sessions' tokens (all of them without a list). */
export const ofSessions = (sockets: WebSocket[], sessionIds?: readonly string[]) =>
  sessionIds ? sockets.filter((ws) => sessionIds.includes(attachmentOf(ws).sessionId ?? "")) : sockets;
