import { DurableObject } from "cloudflare:workers";
import { and, eq, sql } from "drizzle-orm";
import { openDb } from "../db/client";
import { findMessage, readTimeline } from "../db/history";
import { roomMembers } from "../db/schema";
import { type Bindings, type Config, loadConfig } from "../env";
import { type Actor, attachmentOf, broadcast, onlineUsers, userTag } from "./fanout";
import { lastSeqInPostgres, Outbox } from "./outbox";
import {
  ClientFrame,
  CloseCode,
  contentProblem,
  type DeleteEvent,
  type EditEvent,
  frame,
  type MessageEvent,
  PING_FRAME,
  PONG_FRAME,
  PROTOCOL_VERSION,
  type RoomRole,
  type ServerFrame,
  type TimelineEvent,
  type UserRef,
} from "./protocol";
import { RateLimiter } from "./rate-limit";
import { type EventRow, Timeline } from "./timeline";

/** Headers the worker sets on a forwarded upgrade after verifying the token and access. */
export const CONNECT_HEADERS = {
  user: "x-roomcast-user",
  room: "x-roomcast-room",
  subprotocol: "x-roomcast-subprotocol",
} as const;

export type Outcome<T> =
  | { ok: true; value: T }
  | { ok: false; status: 403 | 404 | 409 | 422; code: string; message: string };

/** A change to an existing message: the timeline event and the message as it now stands. */
export type Changed<E> = { event: E; message: MessageEvent };

const fail = (status: 403 | 404 | 409 | 422, code: string, message: string) =>
  ({ ok: false, status, code, message }) as const;

const RESUME_PAGE = 500;
/** How long the outbox waits to gather events before copying them to PostgreSQL. */
const FLUSH_WINDOW_MS = 50;

/**
 * One room: the single writer of its timeline. Every message, edit and delete, from a socket or
 * from REST, is sequenced and written to this object's SQLite storage, then acknowledged and
 * broadcast, then copied to PostgreSQL by the outbox. Sockets use the hibernation API, so an idle
 * room costs nothing and wakes with everything it needs (identity in attachments, counters in
 * storage).
 */
export class Room extends DurableObject<Bindings> {
  private readonly config: Config;
  private readonly timeline: Timeline;
  private readonly outbox: Outbox;
  private readonly sendLimiter: RateLimiter;
  private readonly typingLimiter = new RateLimiter(1, 2);
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
    this.sendLimiter = new RateLimiter(this.config.WS_SENDS_PER_SECOND, this.config.WS_SEND_BURST);
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
    if (this.ctx.getWebSockets(userTag(user.id)).length >= this.config.WS_MAX_SOCKETS_PER_USER) {
      const message = `At most ${this.config.WS_MAX_SOCKETS_PER_USER} connections per user in one room`;
      return Response.json({ error: { code: "too_many_sockets", message } }, { status: 429 });
    }
    const url = new URL(request.url);
    const since = url.searchParams.has("since") ? Number(url.searchParams.get("since")) : null;
    const resume = await this.prepareResume(since, url.searchParams.get("epoch"));

    // From here to the response everything is synchronous: no event can be sequenced between the
    // replay and the moment this socket starts receiving broadcasts.
    const { 0: client, 1: server } = new WebSocketPair();
    const firstOfUser = this.ctx.getWebSockets(userTag(user.id)).length === 0;
    this.ctx.acceptWebSocket(server, [userTag(user.id)]);
    server.serializeAttachment(actor satisfies Actor);
    const tail =
      resume.recovered === false
        ? []
        : this.timeline.after(resume.cursor).map((r) => this.timeline.toEvent(r));
    this.sendFrame(server, {
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
    for (const event of resume.older) this.sendFrame(server, event);
    for (const event of tail) this.sendFrame(server, event);
    if (firstOfUser) this.announce(server, "join", user);

    const headers = new Headers();
    const protocol = request.headers.get(CONNECT_HEADERS.subprotocol);
    if (protocol) headers.set("sec-websocket-protocol", protocol);
    return new Response(null, { status: 101, webSocket: client, headers });
  }

  /**
   * Decides whether a resume from `since` can be served whole, and reads the part older than the
   * cache from PostgreSQL (which holds everything flushed). All or nothing: if the whole gap
   * cannot be delivered, `recovered: false` tells the client to refetch history instead.
   * Without `since` only live events follow (`recovered: null`).
   */
  private async prepareResume(since: number | null, epoch: string | null) {
    const none = {
      recovered: null as boolean | null,
      older: [] as TimelineEvent[],
      cursor: this.timeline.lastSeq,
    };
    if (since === null) return none;
    const last = this.timeline.lastSeq;
    const servable =
      Number.isSafeInteger(since) &&
      since >= 0 &&
      since <= last &&
      last - since <= this.config.RESUME_MAX_EVENTS &&
      (epoch === null || epoch === this.timeline.epoch);
    if (!servable) return { ...none, recovered: false };
    const older: TimelineEvent[] = [];
    let cursor = since;
    try {
      while (this.timeline.oldestCached > cursor + 1) {
        const page = await this.fromPostgres(cursor, RESUME_PAGE);
        if (page.length === 0) return { ...none, recovered: false };
        older.push(...page);
        cursor = page.at(-1)?.seq ?? cursor;
      }
    } catch (err) {
      console.warn("resume from PostgreSQL failed", err);
      return { ...none, recovered: false };
    }
    return { recovered: true, older, cursor };
  }

  private async fromPostgres(afterSeq: number, limit: number): Promise<TimelineEvent[]> {
    const { db, close } = openDb(this.config);
    try {
      return await readTimeline(db, this.timeline.roomId, { after: afterSeq, limit });
    } finally {
      await close();
    }
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

  /** Parse, hand to one method, answer. Never throws: every refusal is an error frame. */
  override async webSocketMessage(ws: WebSocket, data: string | ArrayBuffer) {
    if (typeof data !== "string") {
      return this.sendError(ws, "binary_not_supported", "Send text frames (JSON or plain text)");
    }
    if (exceedsBytes(data, this.config.WS_MAX_FRAME_BYTES)) {
      return this.sendError(
        ws,
        "frame_too_large",
        `Frames are limited to ${this.config.WS_MAX_FRAME_BYTES} bytes`,
      );
    }
    const parsed = parseFrame(data);
    if ("error" in parsed) return this.sendError(ws, parsed.error.code, parsed.error.message);
    const msg = parsed.frame;
    const actor = attachmentOf(ws);
    switch (msg.type) {
      case "ping":
        return this.sendFrame(ws, { type: "pong" });
      case "message.send":
        return this.onSend(ws, actor, msg.content, msg.client_id ?? null);
      case "message.edit":
        return this.answer(ws, await this.edit(actor, msg.message_id, msg.content));
      case "message.delete":
        return this.answer(ws, await this.remove(actor, msg.message_id));
      case "read":
        return this.onRead(ws, actor, msg.seq);
      case "typing":
        return this.onTyping(ws, actor.user);
    }
  }

  private onSend(ws: WebSocket, actor: Actor, content: string, clientId: string | null) {
    const wait = this.sendLimiter.take(ws);
    if (wait > 0) {
      const message = `Slow down: at most ${this.config.WS_SENDS_PER_SECOND} messages per second`;
      return this.sendFrame(ws, {
        type: "error",
        code: "rate_limited",
        message,
        client_id: clientId,
        retry_after_ms: wait,
      });
    }
    const outcome = this.post(actor.user, content, clientId);
    if (!outcome.ok) return this.sendError(ws, outcome.code, outcome.message, clientId);
    const { event, duplicate } = outcome.value;
    this.sendFrame(ws, { type: "ack", client_id: clientId, id: event.id, seq: event.seq, duplicate });
  }

  /** Edits and deletes are acknowledged by their broadcast; only refusals need an answer. */
  private answer(ws: WebSocket, outcome: Outcome<unknown>) {
    if (!outcome.ok) this.sendError(ws, outcome.code, outcome.message);
  }

  private async onRead(ws: WebSocket, actor: Actor, seq: number) {
    const upTo = Math.min(seq, this.timeline.lastSeq);
    const { db, close } = openDb(this.config);
    try {
      await db
        .update(roomMembers)
        .set({ lastReadSeq: sql`greatest(${roomMembers.lastReadSeq}, ${upTo})` })
        .where(and(eq(roomMembers.roomId, this.timeline.roomId), eq(roomMembers.userId, actor.user.id)));
    } catch (err) {
      console.warn("read marker not stored", err);
      return this.sendError(ws, "read_failed", "Could not store the read marker; try again");
    } finally {
      await close();
    }
    // Every device of this user learns the new marker.
    broadcast(this.ctx.getWebSockets(userTag(actor.user.id)), frame({ type: "read", seq: upTo }));
  }

  private onTyping(ws: WebSocket, user: UserRef) {
    const wait = this.typingLimiter.take(ws);
    if (wait > 0) {
      const message = "Typing indicators are limited to one per second";
      return this.sendFrame(ws, { type: "error", code: "rate_limited", message, retry_after_ms: wait });
    }
    const others = this.ctx.getWebSockets().filter((s) => !this.ctx.getTags(s).includes(userTag(user.id)));
    broadcast(others, frame({ type: "typing", user }));
  }

  // ── the timeline's writes (shared by sockets and REST) ────────────────────

  /** Sequence, store, broadcast, then hand to the outbox. Synchronous up to the broadcast. */
  private post(
    user: UserRef,
    content: string,
    clientId: string | null,
  ): Outcome<{ event: MessageEvent; duplicate: boolean }> {
    if (clientId !== null) {
      const prior = this.timeline.byClientId(user.id, clientId);
      if (prior)
        return { ok: true, value: { event: this.timeline.toEvent(prior) as MessageEvent, duplicate: true } };
    }
    const problem = contentProblem(content, this.config.MESSAGE_MAX_CHARS);
    if (problem) return fail(422, problem.code, problem.message);
    const event = this.timeline.toEvent(this.timeline.appendMessage(user, content, clientId)) as MessageEvent;
    this.publish(event);
    return { ok: true, value: { event, duplicate: false } };
  }

  /** Only the author edits; a deleted message cannot be edited. Returns the event and the message. */
  async edit(actor: Actor, messageId: string, content: string): Promise<Outcome<Changed<EditEvent>>> {
    const problem = contentProblem(content, this.config.MESSAGE_MAX_CHARS);
    if (problem) return fail(422, problem.code, problem.message);
    const target = await this.findTarget(messageId);
    if (!target) return fail(404, "message_not_found", "No such message in this room");
    if (target.user_id !== actor.user.id)
      return fail(403, "not_author", "Only the author can edit a message");
    if (target.deleted_at !== null) return fail(409, "message_deleted", "The message was deleted");
    const row = this.timeline.appendEdit(actor.user, messageId, content);
    const event = this.timeline.toEvent(row) as EditEvent;
    this.publish(event);
    const message = this.timeline.toEvent({ ...target, content, edited_at: row.created_at }) as MessageEvent;
    return { ok: true, value: { event, message } };
  }

  /** The author, the room's admins and global admins delete. Returns the event and the tombstone. */
  async remove(actor: Actor, messageId: string): Promise<Outcome<Changed<DeleteEvent>>> {
    const target = await this.findTarget(messageId);
    if (!target) return fail(404, "message_not_found", "No such message in this room");
    const moderator = actor.isAdmin || actor.role === "owner" || actor.role === "admin";
    if (target.user_id !== actor.user.id && !moderator) {
      return fail(403, "forbidden", "Only the author or a room admin can delete a message");
    }
    if (target.deleted_at !== null) return fail(409, "message_deleted", "The message was already deleted");
    const row = this.timeline.appendDelete(actor.user, messageId);
    const event = this.timeline.toEvent(row) as DeleteEvent;
    this.publish(event);
    const message = this.timeline.toEvent({
      ...target,
      content: null,
      deleted_at: row.created_at,
    }) as MessageEvent;
    return { ok: true, value: { event, message } };
  }

  /** The message as it stands now, from the cache or else PostgreSQL. */
  private async findTarget(messageId: string): Promise<EventRow | undefined> {
    let row = this.timeline.cachedMessage(messageId);
    if (!row) {
      const { db, close } = openDb(this.config);
      try {
        row = await findMessage(db, this.timeline.roomId, messageId);
      } finally {
        await close();
      }
      // Re-check after the await: an edit or delete may have been sequenced meanwhile.
      row = this.timeline.cachedMessage(messageId) ?? row;
      if (row && row.deleted_at === null && this.timeline.deletedInCache(messageId)) {
        row = { ...row, deleted_at: Date.now() };
      }
    }
    return row;
  }

  private publish(event: TimelineEvent) {
    broadcast(this.ctx.getWebSockets(), frame(event));
    this.kickOutbox();
  }

  // ── RPC from the worker (already authorised) ──────────────────────────────

  async sendMessage(roomId: number, user: UserRef, content: string, clientId: string | null) {
    await this.ensureTimeline(roomId);
    return this.post(user, content, clientId);
  }

  async editMessage(roomId: number, actor: Actor, messageId: string, content: string) {
    await this.ensureTimeline(roomId);
    return this.edit(actor, messageId, content);
  }

  async deleteMessage(roomId: number, actor: Actor, messageId: string) {
    await this.ensureTimeline(roomId);
    return this.remove(actor, messageId);
  }

  /** Events PostgreSQL does not hold yet, so REST history can read its own writes. */
  async unflushed(): Promise<TimelineEvent[]> {
    if (!this.timeline.initialised) return [];
    return this.timeline.unflushed().map((row) => this.timeline.toEvent(row));
  }

  /** A member's role changed (their sockets act with it at once) or they lost access (closed). */
  async memberChanged(userId: number, role: RoomRole | null, reason = "access revoked") {
    for (const ws of this.ctx.getWebSockets(userTag(userId))) {
      if (role === null) {
        try {
          ws.close(CloseCode.accessRevoked, reason);
        } catch {}
      } else {
        ws.serializeAttachment({ ...attachmentOf(ws), role } satisfies Actor);
      }
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
  }

  // ── leaving ───────────────────────────────────────────────────────────────

  override async webSocketClose(ws: WebSocket, code: number, reason: string) {
    this.forget(ws);
    try {
      ws.close(code === 1005 ? 1000 : code, reason);
    } catch {}
    const { user } = attachmentOf(ws);
    const others = this.ctx.getWebSockets(userTag(user.id)).filter((s) => s !== ws);
    if (others.length === 0) this.announce(ws, "leave", user);
  }

  override async webSocketError(ws: WebSocket) {
    this.forget(ws);
  }

  private forget(ws: WebSocket) {
    this.sendLimiter.forget(ws);
    this.typingLimiter.forget(ws);
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
    broadcast(sockets, frame({ type: "presence", event, user, online }));
  }
}

const encoder = new TextEncoder();
/** Whether the UTF-8 form is over `max` bytes; encodes only when the length cannot tell (≤ 3 bytes per unit). */
const exceedsBytes = (s: string, max: number) =>
  s.length > max || (s.length * 3 > max && encoder.encode(s).byteLength > max);

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
  const result = ClientFrame.safeParse(json);
  if (result.success) return { frame: result.data };
  const type = (json as { type?: unknown } | null)?.type;
  if (typeof type !== "string" || !ClientFrame.options.some((o) => o.shape.type.value === type)) {
    return { error: { code: "unknown_type", message: `Unknown frame type: ${String(type)}` } };
  }
  const issues = result.error.issues.map((i) => `${i.path.join(".") || "frame"}: ${i.message}`).join("; ");
  return { error: { code: "invalid_frame", message: issues } };
}
