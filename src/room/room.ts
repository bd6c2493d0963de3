import { DurableObject } from "cloudflare:workers";
import type { Bindings, Config } from "../env";
import { loadConfig } from "../env";
import { AppError, toAppError } from "../errors";
import { type Actor, announce, attachmentOf, onlineUsers, userTag } from "./fanout";
import { broadcast, frame, parseFrame, sendFrame, sendRefusal } from "./frames";
import { UserLimits } from "./limits";
import { lastSeqInPostgres, Outbox } from "./outbox";
import {
  type ClientFrame,
  type ClientFrameOf,
  CloseCode,
  PING_FRAME,
  PONG_FRAME,
  PROTOCOL_VERSION,
  type RoomRole,
  type TimelineEvent,
  type UserRef,
} from "./protocol";
import { type Reply, replyOf } from "./reply";
import { prepareResume } from "./resume";
import { Timeline } from "./timeline";
import { RoomWrites } from "./writes";

/** Headers the worker sets on a forwarded upgrade after verifying the token and access. */
export const CONNECT_HEADERS = {
  user: "x-roomcast-user",
  room: "x-roomcast-room",
  subprotocol: "x-roomcast-subprotocol",
} as const;

/** How long the outbox waits to gather events before copying them to PostgreSQL. */
const FLUSH_WINDOW_MS = 50;

type FrameHandlers = {
  [T in ClientFrame["type"]]: (ws: WebSocket, actor: Actor, f: ClientFrameOf<T>) => unknown;
};

/**
 * One room: the single writer of its timeline. Every message, edit and delete, from a socket or
 * from REST, is sequenced and written to this object's SQLite storage, then acknowledged and
 * broadcast, then copied to PostgreSQL by the outbox. Sockets use the hibernation API, so an idle
 * room costs nothing and wakes with everything it needs (identity in attachments, counters in
 * storage). This file holds only the object's edges: each one parses, makes one call, answers.
 */
export class Room extends DurableObject<Bindings> {
  private readonly config: Config;
  private readonly timeline: Timeline;
  private readonly outbox: Outbox;
  private readonly limits: UserLimits;
  private readonly writes: RoomWrites;
  /** When the next alarm is due, as far as this instance knows (saves redundant storage writes). */
  private alarmAt: number | null = null;
  private initialising: Promise<void> | null = null;
  /** Not before this time while the copy to PostgreSQL is failing (backoff). */
  private retryAt = 0;

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    this.config = loadConfig(env);
    this.timeline = new Timeline(ctx.storage.sql);
    this.outbox = new Outbox(this.timeline, this.config);
    this.limits = new UserLimits(this.config);
    this.writes = new RoomWrites(this.timeline, this.limits, this.config, {
      event: (e) => this.publish(e),
      readMarker: (userId, seq) => {
        broadcast(this.ctx.getWebSockets(userTag(userId)), frame({ type: "read", seq }));
        this.kickOutbox();
      },
    });
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING_FRAME, PONG_FRAME));
    // Woken with a backlog (e.g. after an eviction mid-flush): make sure a copy is scheduled.
    if (this.timeline.initialised && this.outbox.backlog > 0) this.kickOutbox();
  }

  // ── connecting ────────────────────────────────────────────────────────────

  /** Accepts a WebSocket the worker has already authorised (identity in CONNECT_HEADERS). */
  override async fetch(request: Request): Promise<Response> {
    const actor = JSON.parse(request.headers.get(CONNECT_HEADERS.user) ?? "null") as Actor | null;
    const roomId = Number(request.headers.get(CONNECT_HEADERS.room));
    if (!actor || !roomId || request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return new Response("expected an authorised WebSocket upgrade", { status: 400 });
    }
    const { user } = actor;
    await this.ensureTimeline(roomId);
    const max = this.config.WS_MAX_SOCKETS_PER_USER;
    if (this.ctx.getWebSockets(userTag(user.id)).length >= max) {
      const refusal = new AppError(
        "too_many_sockets",
        429,
        `At most ${max} connections per user in one room`,
      );
      return Response.json(refusal, { status: refusal.status });
    }
    const url = new URL(request.url);
    const since = url.searchParams.has("since") ? Number(url.searchParams.get("since")) : null;
    const resume = await prepareResume(this.timeline, this.config, since, url.searchParams.get("epoch"));

    // From here to the response everything is synchronous: no event can be sequenced between the
    // replay and the moment this socket starts receiving broadcasts.
    const { 0: client, 1: server } = new WebSocketPair();
    const firstOfUser = this.ctx.getWebSockets(userTag(user.id)).length === 0;
    this.ctx.acceptWebSocket(server, [userTag(user.id)]);
    server.serializeAttachment(actor satisfies Actor);
    const tail = resume.recovered === false ? [] : this.timeline.eventsAfter(resume.cursor);
    sendFrame(server, {
      type: "ready",
      protocol: PROTOCOL_VERSION,
      room_id: this.timeline.roomId,
      user,
      epoch: this.timeline.epoch,
      last_seq: this.timeline.lastSeq,
      online: onlineUsers(this.ctx.getWebSockets()),
      recovered: resume.recovered,
      replay_count: resume.older.length + tail.length,
    });
    for (const event of resume.older) sendFrame(server, event);
    for (const event of tail) sendFrame(server, event);
    if (firstOfUser) announce(this.ctx.getWebSockets(), server, "join", user);

    const headers = new Headers();
    const protocol = request.headers.get(CONNECT_HEADERS.subprotocol);
    if (protocol) headers.set("sec-websocket-protocol", protocol);
    return new Response(null, { status: 101, webSocket: client, headers });
  }

  /**
   * A fresh object continues the sequence PostgreSQL already holds for this room. Concurrent
   * first requests share one read.
   */
  private ensureTimeline(roomId: number): Promise<void> {
    if (this.timeline.initialised) return Promise.resolve();
    this.initialising ??= lastSeqInPostgres(this.config, roomId)
      .then((last) => {
        if (!this.timeline.initialised) this.timeline.initialise(roomId, last);
      })
      .finally(() => {
        this.initialising = null;
      });
    return this.initialising;
  }

  // ── frames from sockets ───────────────────────────────────────────────────

  /** Parse, hand to one handler, answer. Never throws: every refusal is an error frame. */
  override async webSocketMessage(ws: WebSocket, data: string | ArrayBuffer) {
    let msg: ClientFrame | undefined;
    try {
      msg = parseFrame(data, this.config.WS_MAX_FRAME_BYTES);
      const handle = this.onFrame[msg.type] as (ws: WebSocket, actor: Actor, f: ClientFrame) => unknown;
      await handle(ws, attachmentOf(ws), msg);
    } catch (err) {
      const clientId = msg?.type === "message.send" ? (msg.client_id ?? null) : undefined;
      sendRefusal(ws, toAppError(err), clientId);
    }
  }

  private readonly onFrame: FrameHandlers = {
    ping: (ws) => sendFrame(ws, { type: "pong" }),
    "message.send": (ws, actor, f) => {
      const clientId = f.client_id ?? null;
      const { event, duplicate } = this.writes.post(actor.user, f.content, clientId);
      sendFrame(ws, { type: "ack", client_id: clientId, id: event.id, seq: event.seq, duplicate });
    },
    // Edits and deletes are acknowledged by their broadcast; only refusals need an answer.
    "message.edit": (_ws, actor, f) => this.writes.edit(actor, f.message_id, f.content),
    "message.delete": (_ws, actor, f) => this.writes.remove(actor, f.message_id),
    read: (_ws, actor, f) => this.writes.markRead(actor.user, f.seq),
    typing: (ws, actor) => {
      this.limits.take("typing", actor.user.id);
      const others = this.ctx
        .getWebSockets()
        .filter((s) => s !== ws && attachmentOf(s).user.id !== actor.user.id);
      broadcast(others, frame({ type: "typing", user: actor.user }));
    },
  };

  private publish(event: TimelineEvent) {
    broadcast(this.ctx.getWebSockets(), frame(event));
    this.kickOutbox();
  }

  // ── RPC from the worker (already authorised); refusals come back as data ──

  sendMessage(roomId: number, user: UserRef, content: string, clientId: string | null) {
    return this.rpc(roomId, () => this.writes.post(user, content, clientId));
  }

  editMessage(roomId: number, actor: Actor, messageId: string, content: string) {
    return this.rpc(roomId, () => this.writes.edit(actor, messageId, content));
  }

  deleteMessage(roomId: number, actor: Actor, messageId: string) {
    return this.rpc(roomId, () => this.writes.remove(actor, messageId));
  }

  markRead(roomId: number, user: UserRef, seq: number) {
    return this.rpc(roomId, () => this.writes.markRead(user, seq));
  }

  /** Events PostgreSQL does not hold yet, so REST history can read its own writes. */
  async unflushed(): Promise<TimelineEvent[]> {
    if (!this.timeline.initialised) return [];
    return this.timeline.eventsAfter(this.timeline.flushedSeq);
  }

  /** A user's rights changed: their sockets act with the new ones at once. */
  async userChanged(userId: number, change: { role?: RoomRole; isAdmin?: boolean }) {
    for (const ws of this.ctx.getWebSockets(userTag(userId))) {
      ws.serializeAttachment({ ...attachmentOf(ws), ...change } satisfies Actor);
    }
  }

  /** A user lost access (4403) or their tokens were revoked (4401): their sockets close now. */
  async closeUser(userId: number, code: number, reason: string) {
    for (const ws of this.ctx.getWebSockets(userTag(userId))) {
      try {
        ws.close(code, reason);
      } catch {}
    }
  }

  /** The room was deleted: close every socket and forget the room's storage. */
  async destroy() {
    for (const ws of this.ctx.getWebSockets()) {
      try {
        ws.close(CloseCode.roomDeleted, "room deleted");
      } catch {}
    }
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.alarmAt = null;
    this.timeline.reset();
  }

  private rpc<T>(roomId: number, work: () => T | Promise<T>): Promise<Reply<T>> {
    return replyOf(async () => {
      await this.ensureTimeline(roomId);
      return work();
    });
  }

  // ── leaving ───────────────────────────────────────────────────────────────

  override async webSocketClose(ws: WebSocket, code: number, reason: string) {
    try {
      ws.close(code === 1005 ? 1000 : code, reason);
    } catch {}
    const { user } = attachmentOf(ws);
    const others = this.ctx.getWebSockets(userTag(user.id)).filter((s) => s !== ws);
    if (others.length === 0) announce(this.ctx.getWebSockets(), ws, "leave", user);
  }

  // ── the copy to PostgreSQL ────────────────────────────────────────────────

  /**
   * The copy to PostgreSQL runs in the alarm handler, an event of its own: its database
   * connection then belongs to an event that lasts until the copy is done, never to a request or
   * socket message that has already been answered. An alarm due now fires within milliseconds.
   */
  private kickOutbox() {
    // A short window gathers a busy room's events into one connection and one INSERT. While
    // PostgreSQL is failing, new arrivals wait for the backoff instead of hammering it.
    this.scheduleAlarm(Math.max(Date.now() + FLUSH_WINDOW_MS, this.retryAt));
  }

  private scheduleAlarm(at: number) {
    if (this.alarmAt !== null && this.alarmAt <= at) return;
    this.alarmAt = at;
    this.ctx.storage.setAlarm(at);
  }

  /** Copies the backlog; on failure retries with backoff; arrivals meanwhile schedule the next run. */
  override async alarm() {
    this.alarmAt = null;
    if (!this.timeline.initialised) return;
    const outcome = await this.outbox.flush();
    if (outcome === "room_gone") return this.destroy();
    if (outcome === "failed") {
      this.retryAt = Date.now() + this.outbox.retryDelayMs;
      this.scheduleAlarm(this.retryAt);
    } else {
      this.retryAt = 0;
      if (this.outbox.backlog > 0) this.scheduleAlarm(Date.now());
    }
  }
}
