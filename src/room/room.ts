import { DurableObject } from "cloudflare:workers";
import { openDb } from "../db/client";
import { readHistory } from "../db/history";
import { type Bindings, type Config, loadConfig } from "../env";
import { attachmentOf, broadcast, onlineUsers, type SocketAttachment, userTag } from "./fanout";
import { lastSeqInPostgres, Outbox } from "./outbox";
import {
  ClientFrame,
  CloseCode,
  contentProblem,
  frame,
  type MessageEvent,
  PING_FRAME,
  PONG_FRAME,
  PROTOCOL_VERSION,
  type ServerFrame,
  type UserRef,
} from "./protocol";
import { RateLimiter } from "./rate-limit";
import { type AppendResult, Timeline } from "./timeline";

/** Headers the worker sets on a forwarded upgrade after verifying the token and access. */
export const CONNECT_HEADERS = {
  user: "x-roomcast-user",
  room: "x-roomcast-room",
  subprotocol: "x-roomcast-subprotocol",
} as const;

/** A backstop: if a flush is lost with an eviction, this alarm finds the backlog again. */
const BACKSTOP_MS = 5_000;
const RESUME_PAGE = 500;

export type SendResult = { ok: true; result: AppendResult } | { ok: false; code: string; message: string };

/**
 * One room: the single writer of its timeline. Every message, from a socket or from REST, is
 * sequenced and written to this object's SQLite storage, then acknowledged and broadcast, then
 * copied to PostgreSQL by the outbox. Sockets use the hibernation API, so an idle room costs
 * nothing and wakes with everything it needs (identity in attachments, counters in storage).
 */
export class Room extends DurableObject<Bindings> {
  private readonly config: Config;
  private readonly timeline: Timeline;
  private readonly outbox: Outbox;
  private readonly limiter: RateLimiter;
  /** Sockets still receiving their resume replay; live broadcasts skip them until it ends. */
  private readonly catchingUp = new Set<WebSocket>();
  private alarmArmed = false;

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    this.config = loadConfig(env);
    this.timeline = new Timeline(ctx.storage.sql);
    this.outbox = new Outbox(this.timeline, this.config, this.config.ROOM_CACHE_EVENTS);
    this.limiter = new RateLimiter(this.config.WS_SENDS_PER_SECOND, this.config.WS_SEND_BURST);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING_FRAME, PONG_FRAME));
    // Woken with a backlog (e.g. after an eviction mid-flush): carry on copying.
    if (this.timeline.initialised && this.outbox.backlog > 0) this.kickOutbox();
  }

  // ── connecting ────────────────────────────────────────────────────────────

  /** Accepts a WebSocket the worker has already authorised (identity in CONNECT_HEADERS). */
  override async fetch(request: Request): Promise<Response> {
    const user = JSON.parse(request.headers.get(CONNECT_HEADERS.user) ?? "null") as UserRef | null;
    const roomId = Number(request.headers.get(CONNECT_HEADERS.room));
    if (!user || !roomId || request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return new Response("expected an authorised WebSocket upgrade", { status: 400 });
    }
    await this.ensureTimeline(roomId);
    if (this.ctx.getWebSockets(userTag(user.id)).length >= this.config.WS_MAX_SOCKETS_PER_USER) {
      const body = {
        error: {
          code: "too_many_sockets",
          message: `At most ${this.config.WS_MAX_SOCKETS_PER_USER} connections per user in one room`,
        },
      };
      return Response.json(body, { status: 429 });
    }

    const url = new URL(request.url);
    const since = url.searchParams.has("since") ? Number(url.searchParams.get("since")) : null;
    const epoch = url.searchParams.get("epoch");

    const { 0: client, 1: server } = new WebSocketPair();
    const firstOfUser = this.ctx.getWebSockets(userTag(user.id)).length === 0;
    this.ctx.acceptWebSocket(server, [userTag(user.id)]);
    server.serializeAttachment({ user } satisfies SocketAttachment);
    this.catchingUp.add(server);
    if (firstOfUser) this.announce(server, "join", user);
    this.ctx.waitUntil(this.greet(server, user, since, epoch));

    const headers = new Headers();
    const protocol = request.headers.get(CONNECT_HEADERS.subprotocol);
    if (protocol) headers.set("sec-websocket-protocol", protocol);
    return new Response(null, { status: 101, webSocket: client, headers });
  }

  /**
   * Sends `ready`, then (on resume) every event after `since` in order, then lets live events
   * through. Replay is all or nothing: if the whole gap cannot be delivered, `recovered: false`
   * tells the client to refetch history instead.
   */
  private async greet(ws: WebSocket, user: UserRef, since: number | null, epoch: string | null) {
    const replay: MessageEvent[] = [];
    let recovered: boolean | null = null;
    let cursor = since ?? this.timeline.lastSeq;
    if (since !== null) {
      const last = this.timeline.lastSeq;
      recovered =
        Number.isSafeInteger(since) &&
        since >= 0 &&
        since <= last &&
        last - since <= this.config.RESUME_MAX_EVENTS &&
        (epoch === null || epoch === this.timeline.epoch);
      try {
        // Older than the cache: read that part from PostgreSQL, which holds everything flushed.
        while (recovered && this.timeline.oldestCached > cursor + 1) {
          const page = await this.fromPostgres(cursor, RESUME_PAGE);
          if (page.length === 0) recovered = false;
          replay.push(...page);
          cursor = page.at(-1)?.seq ?? cursor;
        }
      } catch (err) {
        console.warn("resume from PostgreSQL failed", err);
        recovered = false;
      }
      if (!recovered) {
        replay.length = 0;
        cursor = this.timeline.lastSeq;
      }
    }
    // From here on everything is synchronous, so no live event can slip in between.
    const tail = this.timeline
      .after(cursor, Number.MAX_SAFE_INTEGER)
      .map((row) => this.timeline.toEvent(row));
    this.sendFrame(ws, {
      type: "ready",
      protocol: PROTOCOL_VERSION,
      room_id: this.timeline.roomId,
      user,
      epoch: this.timeline.epoch,
      last_seq: this.timeline.lastSeq,
      online: onlineUsers(this.ctx.getWebSockets()),
      recovered,
      replay_count: replay.length + tail.length,
    });
    for (const event of replay) this.sendFrame(ws, event);
    for (const event of tail) this.sendFrame(ws, event);
    this.catchingUp.delete(ws);
  }

  private async fromPostgres(afterSeq: number, limit: number): Promise<MessageEvent[]> {
    const { db, close } = openDb(this.config);
    try {
      return await readHistory(db, this.timeline.roomId, { after: afterSeq, limit });
    } finally {
      await close();
    }
  }

  /** A fresh object continues the sequence PostgreSQL already holds for this room. */
  private async ensureTimeline(roomId: number) {
    if (this.timeline.initialised) return;
    const last = await lastSeqInPostgres(this.config, roomId);
    if (!this.timeline.initialised) this.timeline.initialise(roomId, last);
  }

  // ── messages ──────────────────────────────────────────────────────────────

  override async webSocketMessage(ws: WebSocket, data: string | ArrayBuffer) {
    const { user } = attachmentOf(ws);
    if (typeof data !== "string") {
      return this.sendError(ws, "binary_not_supported", "Send text frames (JSON or plain text)");
    }
    if (new TextEncoder().encode(data).byteLength > this.config.WS_MAX_FRAME_BYTES) {
      return this.sendError(
        ws,
        "frame_too_large",
        `Frames are limited to ${this.config.WS_MAX_FRAME_BYTES} bytes`,
      );
    }
    const parsed = parseFrame(data);
    if ("error" in parsed) return this.sendError(ws, parsed.error.code, parsed.error.message);
    const msg = parsed.frame;
    switch (msg.type) {
      case "ping":
        return this.sendFrame(ws, { type: "pong" });
      case "message.send": {
        const clientId = msg.client_id ?? null;
        const wait = this.limiter.take(ws);
        if (wait > 0) {
          return this.sendFrame(ws, {
            type: "error",
            code: "rate_limited",
            message: `Slow down: at most ${this.config.WS_SENDS_PER_SECOND} messages per second`,
            client_id: clientId,
            retry_after_ms: wait,
          });
        }
        const outcome = this.post(user, msg.content, clientId);
        if (!outcome.ok) return this.sendError(ws, outcome.code, outcome.message, clientId);
        const { event, duplicate } = outcome.result;
        this.sendFrame(ws, { type: "ack", client_id: clientId, id: event.id, seq: event.seq, duplicate });
        return;
      }
    }
  }

  /** RPC from the worker for `POST /message/rooms/{id}/messages` (already authorised). */
  async sendMessage(
    roomId: number,
    user: UserRef,
    content: string,
    clientId: string | null,
  ): Promise<SendResult> {
    await this.ensureTimeline(roomId);
    return this.post(user, content, clientId);
  }

  /** Sequence, store, broadcast, then hand to the outbox. Synchronous up to the broadcast. */
  private post(user: UserRef, content: string, clientId: string | null): SendResult {
    const problem = contentProblem(content, this.config.MESSAGE_MAX_CHARS);
    if (problem) return { ok: false, ...problem };
    const result = this.timeline.append(user, content, clientId);
    if (!result.duplicate) {
      broadcast(this.ctx.getWebSockets(), frame(result.event), this.catchingUp);
      this.kickOutbox();
    }
    return { ok: true, result };
  }

  /** Events PostgreSQL does not hold yet, so REST history can read its own writes. */
  async unflushed(): Promise<MessageEvent[]> {
    if (!this.timeline.initialised) return [];
    return this.timeline.unflushed(Number.MAX_SAFE_INTEGER).map((row) => this.timeline.toEvent(row));
  }

  // ── leaving ───────────────────────────────────────────────────────────────

  override async webSocketClose(ws: WebSocket, code: number, reason: string) {
    this.catchingUp.delete(ws);
    this.limiter.forget(ws);
    try {
      ws.close(code === 1005 ? 1000 : code, reason);
    } catch {}
    const { user } = attachmentOf(ws);
    const others = this.ctx.getWebSockets(userTag(user.id)).filter((s) => s !== ws);
    if (others.length === 0) this.announce(ws, "leave", user);
  }

  override async webSocketError(ws: WebSocket) {
    this.catchingUp.delete(ws);
    this.limiter.forget(ws);
  }

  /** RPC when the room is deleted: close every socket and forget the room's storage. */
  async destroy() {
    for (const ws of this.ctx.getWebSockets()) {
      try {
        ws.close(CloseCode.roomDeleted, "room deleted");
      } catch {}
    }
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
  }

  /** RPC: close one user's sockets (access revoked). */
  async disconnect(userId: number, code: number, reason: string) {
    for (const ws of this.ctx.getWebSockets(userTag(userId))) {
      try {
        ws.close(code, reason);
      } catch {}
    }
  }

  // ── the copy to PostgreSQL ────────────────────────────────────────────────

  private kickOutbox() {
    if (!this.alarmArmed) {
      this.alarmArmed = true;
      this.ctx.waitUntil(this.ctx.storage.setAlarm(Date.now() + BACKSTOP_MS));
    }
    this.ctx.waitUntil(this.outbox.flush().then((outcome) => this.afterFlush(outcome)));
  }

  private async afterFlush(outcome: "done" | "failed" | "room_gone") {
    if (outcome === "failed") await this.ctx.storage.setAlarm(Date.now() + this.outbox.retryDelayMs);
    if (outcome === "room_gone") await this.destroy();
  }

  /** Retries the copy with backoff until the backlog is empty. */
  override async alarm() {
    this.alarmArmed = false;
    if (!this.timeline.initialised) return;
    await this.afterFlush(await this.outbox.flush());
  }

  // ── frames ────────────────────────────────────────────────────────────────

  private sendFrame(ws: WebSocket, f: ServerFrame) {
    try {
      ws.send(frame(f));
    } catch {}
  }

  private sendError(ws: WebSocket, code: string, message: string, clientId?: string | null) {
    this.sendFrame(ws, {
      type: "error",
      code,
      message,
      ...(clientId !== undefined && { client_id: clientId }),
    });
  }

  private announce(except: WebSocket, event: "join" | "leave", user: UserRef) {
    const sockets = this.ctx.getWebSockets().filter((s) => s !== except);
    const online = onlineUsers(sockets);
    if (event === "join") online.push(user);
    broadcast(sockets, frame({ type: "presence", event, user, online }), this.catchingUp);
  }
}

/**
 * A frame whose first non-blank character is `{` is JSON; anything else is plain text, sent as
 * a message (clients of the original service send plain text).
 */
function parseFrame(data: string): { frame: ClientFrame } | { error: { code: string; message: string } } {
  if (!data.trimStart().startsWith("{")) return { frame: { type: "message.send", content: data } };
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return { error: { code: "invalid_json", message: "Frame is not valid JSON" } };
  }
  const type = (json as { type?: unknown })?.type;
  const result = ClientFrame.safeParse(json);
  if (result.success) return { frame: result.data };
  if (typeof type !== "string" || !ClientFrame.options.some((o) => o.shape.type.value === type)) {
    return { error: { code: "unknown_type", message: `Unknown frame type: ${String(type)}` } };
  }
  const issues = result.error.issues.map((i) => `${i.path.join(".") || "frame"}: ${i.message}`).join("; ");
  return { error: { code: "invalid_frame", message: issues } };
}
