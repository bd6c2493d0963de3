import type { Config } from "../../env";
import { AppError, toAppError } from "../../errors";
import { CONNECT_HEADERS, PROTOCOL_VERSION } from "../../protocol";
import type { Door } from "../access/door";
import type { HiddenEvents } from "../moderation/hidden";
import { BATCH_TAG, type RoomOutput } from "../output";
import type { Timeline } from "../timeline/timeline";
import { type SocketUser, userTag } from "./identity";
import { announce, onlineUsers } from "./presence";
import { prepareResume } from "./resume";

type Parts = {
  ctx: DurableObjectState;
  timeline: Timeline;
  config: Config;
  door: Door;
  out: RoomOutput;
  moderation: { hidden: HiddenEvents };
};

const refuse = (err: unknown) => {
  const refusal = toAppError(err);
  return Response.json(refusal, { status: refusal.status });
};

/**
 * Accepts a WebSocket for a user the worker has authenticated (identity in CONNECT_HEADERS), if
 * the room's own roster lets them write here; a refusal is a plain HTTP answer with the error
 * body, which the worker turns into a close code the browser can see. The socket then receives
 * `ready`, the replay after `since` (if asked), and every broadcast from then on.
 */
export async function connect(
  { ctx, timeline, config, door, out, moderation }: Parts,
  request: Request,
): Promise<Response> {
  const who = JSON.parse(request.headers.get(CONNECT_HEADERS.user) ?? "null") as SocketUser | null;
  const roomId = Number(request.headers.get(CONNECT_HEADERS.room));
  if (!who || !roomId || request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
    return new Response("expected an authorised WebSocket upgrade", { status: 400 });
  }
  const { user } = who;
  try {
    await door.writer(roomId, who);
  } catch (err) {
    return refuse(err);
  }
  const max = config.WS_MAX_SOCKETS_PER_USER;
  if (ctx.getWebSockets(userTag(user.id)).length >= max) {
    return refuse(new AppError("too_many_sockets", 429, `At most ${max} connections per user in one room`));
  }
  const url = new URL(request.url);
  const since = url.searchParams.has("since") ? Number(url.searchParams.get("since")) : null;
  const resume = await prepareResume(timeline, config, since, url.searchParams.get("epoch"));

  // From here to the response everything is synchronous: no event can be sequenced between the
  // replay and the moment this socket starts receiving broadcasts.
  const { 0: client, 1: server } = new WebSocketPair();
  const firstOfUser = ctx.getWebSockets(userTag(user.id)).length === 0;
  const batch = url.searchParams.get("batch") === "1";
  ctx.acceptWebSocket(server, batch ? [userTag(user.id), BATCH_TAG] : [userTag(user.id)]);
  out.accepted(server, batch);
  server.serializeAttachment(who satisfies SocketUser);
  const tail = resume.recovered === false ? [] : timeline.cache.eventsAfter(resume.cursor);
  out.send(server, {
    type: "ready",
    protocol: PROTOCOL_VERSION,
    room_id: timeline.roomId,
    user,
    epoch: timeline.epoch,
    last_seq: timeline.lastSeq,
    online: onlineUsers(ctx.getWebSockets()),
    recovered: resume.recovered,
    replay_count: resume.older.length + tail.length,
  });
  // Events only their author may see replay as placeholders: every seq is there (invariant 14).
  for (const event of moderation.hidden.viewOf([...resume.older, ...tail], user.id)) out.send(server, event);
  if (firstOfUser) announce(out, ctx.getWebSockets(), server, "join", user);

  const headers = new Headers();
  const protocol = request.headers.get(CONNECT_HEADERS.subprotocol);
  if (protocol) headers.set("sec-websocket-protocol", protocol);
  return new Response(null, { status: 101, webSocket: client, headers });
}
