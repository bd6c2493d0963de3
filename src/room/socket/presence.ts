import { ROOM_PROTOCOL_VERSION, SUBPROTOCOL_V2, type UserRef } from "../../protocol";
import type { RoomOutput } from "../output";
import { frame } from "./codec";
import { attachmentOf } from "./identity";

/** The tag of sockets that speak version 2 (presence deltas); it survives hibernation. */
export const V2_TAG = "v2";

/** The room protocol version a socket speaks, from the subprotocol the worker negotiated. */
export const versionOf = (subprotocol: string | null) =>
  subprotocol === SUBPROTOCOL_V2 ? ROOM_PROTOCOL_VERSION : 1;

/** Distinct users behind a set of sockets, in connection order. */
export function onlineUsers(sockets: WebSocket[]): UserRef[] {
  const seen = new Map<number, UserRef>();
  for (const ws of sockets) {
    const { user } = attachmentOf(ws);
    if (!seen.has(user.id)) seen.set(user.id, user);
  }
  return [...seen.values()];
}

type Sockets = Pick<DurableObjectState, "getWebSockets">;

/**
 * Tells the others that a user's first socket opened or last socket closed. Version 2 sockets
 * get the change alone, a frame of constant size; version 1 sockets still get the whole list
 * after it, as that version promised (each change costs them O(online), so their room's joins
 * cost O(n²) in all: the reason for version 2). The list is only built when a v1 socket listens.
 */
export function announce(
  out: RoomOutput,
  ctx: Sockets,
  except: WebSocket,
  event: "join" | "leave",
  user: UserRef,
) {
  const v2 = new Set(ctx.getWebSockets(V2_TAG));
  const others = ctx.getWebSockets().filter((s) => s !== except);
  const v1 = others.filter((s) => !v2.has(s));
  out.broadcast(
    others.filter((s) => v2.has(s)),
    frame({ type: "presence", event, user }),
  );
  if (v1.length === 0) return;
  const online = onlineUsers(others);
  if (event === "join") online.push(user);
  out.broadcast(v1, frame({ type: "presence", event, user, online }));
}
