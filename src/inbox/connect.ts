import type { Config } from "../env";
import { INBOX_HEADERS, type InboxReady, PROTOCOL_VERSION } from "../protocol";
import { type SendWindow, SYNC_TAG } from "../room";
import type { InboxLog } from "./log";

/** A device's channel: whose, and the session its token belongs to (absent for tokens without one). */
export type InboxSocketUser = { id: number; username: string; sessionId?: string };

/** The channels opened with one of these sessions' tokens (all of them without a list). */
export const ofSession = (sockets: WebSocket[], sessionIds?: readonly string[]) =>
  sessionIds
    ? sockets.filter((ws) => {
        const { sessionId } = ws.deserializeAttachment() as InboxSocketUser;
        return sessionId !== undefined && sessionIds.includes(sessionId);
      })
    : sockets;

type Parts = {
  ctx: DurableObjectState;
  log: InboxLog;
  config: Config;
  /** Every frame leaves through this: counted against the socket's window (`flow`). */
  send: (ws: WebSocket, data: string) => void;
  flow: SendWindow;
};

const refuse = (status: number, code: string, message: string) =>
  Response.json({ error: { code, message } }, { status });

/**
 * Accepts a device's socket: `ready`, then (with `since`) every event after it, then live events.
 * Everything from the accept to the 101 is synchronous, so no event can fall between the replay
 * and the first live frame. A resume the log cannot serve whole is `recovered: false`.
 */
export function connectInbox({ ctx, log, config, send, flow }: Parts, request: Request): Response {
  const user = JSON.parse(request.headers.get(INBOX_HEADERS.user) ?? "null") as InboxSocketUser | null;
  if (!user || request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
    return new Response("expected an authorised WebSocket upgrade", { status: 400 });
  }
  const max = config.INBOX_MAX_SOCKETS;
  if (ctx.getWebSockets().length >= max) {
    return refuse(429, "too_many_sockets", `At most ${max} inbox connections per user`);
  }
  const url = new URL(request.url);
  const since = url.searchParams.has("since") ? Number(url.searchParams.get("since")) : null;
  const resume = log.resume(since, url.searchParams.get("epoch"));

  const { 0: client, 1: server } = new WebSocketPair();
  const sync = url.searchParams.get("sync") === "1";
  ctx.acceptWebSocket(server, sync ? [SYNC_TAG] : []);
  flow.accepted(server, sync);
  server.serializeAttachment(user satisfies InboxSocketUser);
  const ready: InboxReady = {
    type: "ready",
    protocol: PROTOCOL_VERSION,
    channel: "inbox",
    user: { id: user.id, username: user.username },
    epoch: log.epoch,
    last_seq: log.lastSeq,
    recovered: resume.recovered,
    replay_count: resume.events.length,
  };
  // The replay is at most INBOX_KEEP_EVENTS small events, sent at once (counted like any frame).
  send(server, JSON.stringify(ready));
  for (const data of resume.events) send(server, data);

  const headers = new Headers();
  const protocol = request.headers.get(INBOX_HEADERS.subprotocol);
  if (protocol) headers.set("sec-websocket-protocol", protocol);
  return new Response(null, { status: 101, webSocket: client, headers });
}
