import { frame } from "./frames";
import type { Outgoing } from "./outgoing";
import type { RoomRole, UserRef } from "./protocol";

/**
 * Who a socket (or a REST call) belongs to, as the worker verified it. A socket keeps it in its
 * attachment, so that it survives hibernation; the room role is not kept there but read from the
 * room's roster when needed, so that a role change applies to open sockets at once.
 */
export type SocketUser = { user: UserRef; isAdmin: boolean };

/** Who is acting, with their role in this room. */
export type Actor = SocketUser & { role: RoomRole | null };

export const userTag = (userId: number) => `u:${userId}`;

export const attachmentOf = (ws: WebSocket) => ws.deserializeAttachment() as SocketUser;

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
export function announce(
  out: Outgoing,
  all: WebSocket[],
  except: WebSocket,
  event: "join" | "leave",
  user: UserRef,
) {
  const sockets = all.filter((s) => s !== except);
  const online = onlineUsers(sockets);
  if (event === "join") online.push(user);
  out.broadcast(sockets, frame({ type: "presence", event, user, online }));
}
