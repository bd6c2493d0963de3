import { ROOM_PROTOCOL_VERSION, type ServerFrame, SUBPROTOCOL_V2, type UserRef } from "../../protocol";
import type { HiddenEvents } from "../moderation/hidden";
import type { RoomOutput } from "../output";
import { frame } from "./codec";
import { attachmentOf, userTag } from "./identity";

/** The tag of sockets that speak version 2 (presence deltas); it survives hibernation. */
export const V2_TAG = "v2";

/** The room protocol version a socket speaks, from the subprotocol the worker negotiated. */
export const versionOf = (subprotocol: string | null) =>
  subprotocol === SUBPROTOCOL_V2 ? ROOM_PROTOCOL_VERSION : 1;

/**
 * Whose presence a reader does not see: the users they blocked (moderation/hidden.ts, the rule
 * their events and typing follow). The blocked user still sees the blocker: they are told nothing.
 */
export type PresenceRule = Pick<HiddenEvents, "hidesAuthor" | "blockersSockets">;

/** Distinct users behind a set of sockets, in connection order. */
export function onlineUsers(sockets: WebSocket[]): UserRef[] {
  const seen = new Map<number, UserRef>();
  for (const ws of sockets) {
    const { user } = attachmentOf(ws);
    if (!seen.has(user.id)) seen.set(user.id, user);
  }
  return [...seen.values()];
}

/** The users online as `viewerId` sees them: without those they blocked. */
export const onlineFor = (sockets: WebSocket[], viewerId: number, rule: PresenceRule) =>
  onlineUsers(sockets).filter((u) => !rule.hidesAuthor(viewerId, u.id));

type Sockets = Pick<DurableObjectState, "getWebSockets">;
type Presence = Extract<ServerFrame, { type: "presence" }>;

/**
 * Tells the others that a user's first socket opened or last socket closed. Version 2 sockets
 * get the change alone, a frame of constant size; version 1 sockets still get the whole list
 * after it, as that version promised (each change costs them O(online), so their room's joins
 * cost O(n²) in all: the reason for version 2). The list is only built when a v1 socket listens.
 * Those who blocked the user hear nothing (`PresenceRule`).
 */
export function announce(
  out: RoomOutput,
  ctx: Sockets,
  except: WebSocket,
  event: "join" | "leave",
  user: UserRef,
  rule: PresenceRule,
) {
  const unseen = new Set(rule.blockersSockets(ctx, user.id));
  const v2 = new Set(ctx.getWebSockets(V2_TAG));
  const others = ctx.getWebSockets().filter((s) => s !== except);
  const told = unseen.size === 0 ? others : others.filter((s) => !unseen.has(s));
  const v1 = told.filter((s) => !v2.has(s));
  out.broadcast(
    told.filter((s) => v2.has(s)),
    frame({ type: "presence", event, user }),
  );
  if (v1.length === 0) return;
  const online = onlineUsers(others);
  if (event === "join") online.push(user);
  sendLists(out, ctx, v1, online, rule, (list) => ({ type: "presence", event, user, online: list }));
}

/** The list to v1 sockets, serialised once; a reader who blocked someone in it gets it without them. */
function sendLists(
  out: RoomOutput,
  ctx: Sockets,
  v1: WebSocket[],
  online: UserRef[],
  rule: PresenceRule,
  make: (online: UserRef[]) => Presence,
) {
  const hiding = new Map<WebSocket, Set<number>>();
  for (const u of online) {
    for (const ws of rule.blockersSockets(ctx, u.id)) hiding.set(ws, (hiding.get(ws) ?? new Set()).add(u.id));
  }
  const common = frame(make(online));
  for (const ws of v1) {
    const hidden = hiding.get(ws);
    out.broadcast([ws], hidden ? frame(make(online.filter((u) => !hidden.has(u.id)))) : common);
  }
}

/**
 * `viewerId` blocked (`on`) or unblocked `authorId`, who is here: the viewer's sockets see them
 * leave, or come back, at once, as a presence change (after the room's blocks changed).
 */
export function blockSeen(
  out: RoomOutput,
  ctx: Sockets,
  change: { viewerId: number; authorId: number; on: boolean },
  rule: PresenceRule,
) {
  const theirs = ctx.getWebSockets(userTag(change.authorId))[0];
  const viewer = ctx.getWebSockets(userTag(change.viewerId));
  if (!theirs || viewer.length === 0) return;
  const { user } = attachmentOf(theirs);
  const event = change.on ? "leave" : "join";
  const v2 = new Set(ctx.getWebSockets(V2_TAG));
  out.broadcast(
    viewer.filter((s) => v2.has(s)),
    frame({ type: "presence", event, user }),
  );
  const v1 = viewer.filter((s) => !v2.has(s));
  if (v1.length === 0) return;
  const online = onlineFor(ctx.getWebSockets(), change.viewerId, rule);
  out.broadcast(v1, frame({ type: "presence", event, user, online }));
}
