import type { RoomRole, UserRef } from "./protocol";

/**
 * Who is acting: as the worker verified it (REST), or as the socket's attachment says
 * (WebSocket). Per-socket state lives in the attachment so that it survives hibernation.
 */
export type Actor = { user: UserRef; role: RoomRole | null; isAdmin: boolean };

export const userTag = (userId: number) => `u:${userId}`;

export const attachmentOf = (ws: WebSocket) => ws.deserializeAttachment() as Actor;

/** Sends one already-serialised frame to each socket. One that fails is closing; its close handler cleans up. */
export function broadcast(sockets: WebSocket[], data: string) {
  for (const ws of sockets) {
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
