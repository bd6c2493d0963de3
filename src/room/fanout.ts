import type { RoomRole, UserRef } from "./protocol";

/**
 * Who is acting: as the worker verified it (REST), or as the socket's attachment says
 * (WebSocket). Per-socket state lives in the attachment so that it survives hibernation.
 */
export type Actor = { user: UserRef; role: RoomRole | null; isAdmin: boolean };

export const userTag = (userId: number) => `u:${userId}`;

export const attachmentOf = (ws: WebSocket) => ws.deserializeAttachment() as Actor;

/**
 * Sends one already-serialised frame to every socket of the room except those still catching
 * up on a resume (they get the event from their replay instead, so nothing arrives twice or
 * out of order). A socket that fails to send is closing; its close handler cleans up.
 */
export function broadcast(sockets: WebSocket[], data: string, catchingUp: ReadonlySet<WebSocket>) {
  for (const ws of sockets) {
    if (catchingUp.has(ws)) continue;
    try {
      ws.send(data);
    } catch {}
  }
}

/** Distinct users behind a set of sockets, in connection order. */
export function onlineUsers(sockets: WebSocket[], except?: WebSocket): UserRef[] {
  const seen = new Map<number, UserRef>();
  for (const ws of sockets) {
    if (ws === except) continue;
    const { user } = attachmentOf(ws);
    if (!seen.has(user.id)) seen.set(user.id, user);
  }
  return [...seen.values()];
}
