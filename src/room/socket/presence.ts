import type { UserRef } from "../../protocol";
import type { RoomOutput } from "../output";
import { frame } from "./codec";
import { attachmentOf } from "./identity";

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
  out: RoomOutput,
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
