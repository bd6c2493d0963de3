import { broadcast, frame } from "./frames";
import type { RoomRole, UserRef } from "./protocol";

/**
 * Who is acting: as the worker verified it (REST), or as the socket's attachment says
 * (WebSocket). Per-socket state lives in the attachment so that it survives hibernation.
 */
export type Actor = { user: UserRef; role: RoomRole | null; isAdmin: boolean };

export const userTag = (userId: number) => `u:${userId}`;

export const attachmentOf = (ws: WebSocket) => ws.deserializeAttachment() as Actor;

/** Distinct users behind a set of sockets, in connection order. */
export function onlineUsers(sockets: WebSocket[]): UserRef[] {
  const seen = new Map<number, UserRef>();
  for (const ws of sockets) {
    const { user } = attachmentOf(ws);
    if (!seen.has(user.id)) seen.set(user.id, user);
  }
  return [...seen.values()];
}

/** Tells the others that a user's first socket opened or last socket closed. */
export function announce(all: WebSocket[], except: WebSocket, event: "join" | "leave", user: UserRef) {
  const sockets = all.filter((s) => s !== except);
  const online = onlineUsers(sockets);
  if (event === "join") online.push(user);
  broadcast(sockets, frame({ type: "presence", event, user, online }));
}
