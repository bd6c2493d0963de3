import type { Config } from "../../env";
import { AppError, toAppError } from "../../errors";
import { CONNECT_HEADERS } from "../../protocol";
import type { Door } from "../access/door";
import { BATCH_TAG, type RoomOutput } from "../output";
import type { Timeline } from "../timeline/timeline";
import type { Admission } from "./admission";
import { SYNC_TAG } from "./flow";
import { type SocketUser, userTag, writeAttachment } from "./identity";
import { announce, onlineFor, type PresenceRule, V2_TAG, versionOf } from "./presence";
import { REPLAY_TAG, type Replays } from "./replay";
import { prepareResume } from "./resume";
import { liveFromAttachment } from "./seen-live";
import { orderedAttachment } from "./send-order";

type Parts = {
  ctx: DurableObjectState;
  timeline: Timeline;
  config: Config;
  door: Door;
  out: RoomOutput;
  admission: Admission;
  replays: Replays;
  /** Whose presence each reader does not see (the users they blocked). */
  hidden: PresenceRule;
};

/** The user's blocks as the worker read them from their Account object (ids; junk is ignored). */
function blockList(request: Request): number[] | undefined {
  const header = request.headers.get(CONNECT_HEADERS.blocks);
  if (header === null) return undefined;
  const parsed: unknown = JSON.parse(header);
  return Array.isArray(parsed) ? parsed.filter((id): id is number => Number.isSafeInteger(id)) : [];
}

/** The connect flags of the query (docs/protocol.md, "Connecting"): each asked for with `=1`. */
function flagsOf(url: URL) {
  const on = (flag: string) => url.searchParams.get(flag) === "1";
  return { batch: on("batch"), sync: on("sync"), ordered: on("ordered") };
}

/**
 * What a new socket keeps through hibernation: who it is, the last seq before its first live
 * frame (`seen-live.ts`: what it was sent), its send order.
 */
const attachmentFor = (who: SocketUser, ordered: boolean, before: number) => ({
  ...(who satisfies SocketUser),
  ...liveFromAttachment(before + 1),
  ...(ordered && orderedAttachment()),
});

/** A refusal the worker relays as a visible close; `Retry-After` carries a 429's retry hint. */
const refuse = (err: unknown) => {
  const refusal = toAppError(err);
  const headers = new Headers();
  if (refusal.retryAfterMs !== undefined)
    headers.set("retry-after-ms", String(Math.ceil(refusal.retryAfterMs)));
  return Response.json(refusal, { status: refusal.status, headers });
};

/**
 * Whether this user may open one more socket here (connect budget, roster, sockets in this room
 * and across rooms), and what it replays; a Response when refused. A place taken across rooms is
 * given back if the replay cannot be prepared.
 */
async function admit(
  { ctx, timeline, config, door, admission }: Omit<Parts, "out" | "replays" | "hidden">,
  roomId: number,
  who: SocketUser,
  url: URL,
) {
  const { user } = who;
  const since = url.searchParams.has("since") ? Number(url.searchParams.get("since")) : null;
  try {
    // Budgeted first: a reconnect storm costs the room a bucket lookup, nothing else.
    admission.takeConnect(user.id);
    await door.writer(roomId, who);
    const max = config.WS_MAX_SOCKETS_PER_USER;
    if (ctx.getWebSockets(userTag(user.id)).length >= max) {
      throw new AppError("too_many_sockets", 429, `At most ${max} connections per user in one room`);
    }
    const [resume, claim] = await Promise.allSettled([
      prepareResume(timeline, config, since, url.searchParams.get("epoch")),
      admission.claimAcrossRooms(user.id, roomId),
    ]);
    if (claim.status === "rejected") throw claim.reason;
    if (resume.status === "fulfilled") return resume.value;
    await admission.released(user.id, roomId, ctx.getWebSockets(userTag(user.id)).length);
    throw resume.reason;
  } catch (err) {
    return refuse(err);
  }
}

/**
 * Accepts a WebSocket for a user the worker has authenticated (identity in CONNECT_HEADERS), if
 * the room's own roster lets them write here; a refusal is a plain HTTP answer with the error
 * body, which the worker turns into a close code the browser can see. The socket then receives
 * `ready`, the replay after `since` (if asked), and every broadcast from then on.
 */
export async function connect(
  { ctx, timeline, config, door, out, admission, replays, hidden }: Parts,
  request: Request,
): Promise<Response> {
  const who = JSON.parse(request.headers.get(CONNECT_HEADERS.user) ?? "null") as SocketUser | null;
  const roomId = Number(request.headers.get(CONNECT_HEADERS.room));
  if (!who || !roomId || request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
    return new Response("expected an authorised WebSocket upgrade", { status: 400 });
  }
  const { user } = who;
  const url = new URL(request.url);
  const resume = await admit({ ctx, timeline, config, door, admission }, roomId, who, url);
  if (resume instanceof Response) return resume;

  // From here to the response everything is synchronous: no event can be sequenced between the
  // resume's decision and the moment this socket is held for its replay (or gets broadcasts).
  const { 0: client, 1: server } = new WebSocketPair();
  const firstOfUser = ctx.getWebSockets(userTag(user.id)).length === 0;
  const { batch, sync, ordered } = flagsOf(url);
  const version = versionOf(request.headers.get(CONNECT_HEADERS.subprotocol));
  const replaying = resume.recovered === true;
  const tags = [userTag(user.id), ...(batch ? [BATCH_TAG] : []), ...(version === 1 ? [] : [V2_TAG])];
  if (sync) tags.push(SYNC_TAG);
  if (replaying) tags.push(REPLAY_TAG);
  // The worker's copy of the user's blocks is the freshest: it wins over what the room kept.
  const blocked = blockList(request);
  if (blocked) door.blocksOf(user.id, blocked);
  ctx.acceptWebSocket(server, tags);
  out.accepted(server, batch);
  replays.flow.accepted(server, sync);
  writeAttachment(server, attachmentFor(who, ordered, replaying ? resume.cursor : timeline.lastSeq));
  out.send(server, {
    type: "ready",
    protocol: version,
    room_id: timeline.roomId,
    user,
    epoch: timeline.epoch,
    last_seq: timeline.lastSeq,
    online: onlineFor(ctx.getWebSockets(), user.id, hidden),
    recovered: resume.recovered,
    replay_count: replaying ? timeline.lastSeq - resume.cursor : 0,
    ...(ordered && { ordered }),
  });
  // The replay streams as the socket reads (replay.ts); events hidden from this reader (a
  // shadow-banned author's, a blocked author's) replay as placeholders: every seq is there.
  if (replaying) replays.start(server, resume.cursor);
  if (firstOfUser) announce(out, ctx, server, "join", user, hidden);

  const headers = new Headers();
  const protocol = request.headers.get(CONNECT_HEADERS.subprotocol);
  if (protocol) headers.set("sec-websocket-protocol", protocol);
  return new Response(null, { status: 101, webSocket: client, headers });
}
