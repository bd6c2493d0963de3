import { DurableObject } from "cloudflare:workers";
import { withDb } from "../db/client";
import type { RoomRow } from "../db/schema";
import { roomMembers } from "../db/schema";
import type { Bindings, Config } from "../env";
import { loadConfig } from "../env";
import { AppError, notFound, toAppError } from "../errors";
import { type Membership, type RoomAccess, reader, writer } from "./access";
import { Conversation, type ThreadWindow } from "./conversation";
import type { HistoryWindow } from "./events";
import { type Actor, announce, attachmentOf, onlineUsers, type SocketUser, userTag } from "./fanout";
import { broadcast, frame, parseFrame, sendFrame, sendRefusal } from "./frames";
import { historyPage } from "./history";
import { UserLimits } from "./limits";
import { Outbox } from "./outbox";
import {
  type ClientFrame,
  type ClientFrameOf,
  CloseCode,
  type MessageEvent,
  PING_FRAME,
  PONG_FRAME,
  PROTOCOL_VERSION,
  type TimelineEvent,
  type UserRef,
} from "./protocol";
import { Reactions } from "./reactions";
import { replyOf } from "./reply";
import { prepareResume } from "./resume";
import { Roster, readSnapshot } from "./roster";
import { Threads } from "./threads";
import { Timeline } from "./timeline";
import { type Publish, RoomWrites } from "./writes";

/** Headers the worker sets on a forwarded upgrade after verifying the token and access. */
export const CONNECT_HEADERS = {
  user: "x-roomcast-user",
  room: "x-roomcast-room",
  subprotocol: "x-roomcast-subprotocol",
} as const;

/** How long the outbox waits to gather events before copying them to PostgreSQL. */
const FLUSH_WINDOW_MS = 50;
/**
 * A busy room copies at most once per this interval: each copy opens a PostgreSQL connection
 * (a backend fork), so 100 busy rooms copying every 50 ms would open 2,000 a second. Nobody waits
 * for the copy: history and resume read unflushed events from the room itself.
 */
const BUSY_FLUSH_INTERVAL_MS = 1000;

type Sent = { event: MessageEvent; duplicate: boolean };

type FrameHandlers = {
  [T in ClientFrame["type"]]: (ws: WebSocket, who: SocketUser, f: ClientFrameOf<T>) => unknown;
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
  private readonly roster: Roster;
  private readonly outbox: Outbox;
  private readonly limits: UserLimits;
  private readonly writes: RoomWrites;
  private readonly reactions: Reactions;
  private readonly threads: Threads;
  private readonly conversation: Conversation;
  /** Sends waiting behind a reply or mention that reads first (see `post`). */
  private sendQueue: Promise<void> = Promise.resolve();
  private queuedSends = 0;
  /** When the next alarm is due, as far as this instance knows (saves redundant storage writes). */
  private alarmAt: number | null = null;
  private loading: Promise<void> | null = null;
  /** Not before this time while the copy to PostgreSQL is failing (backoff). */
  private retryAt = 0;
  /** When the last copy started (in memory: after a wake the first copy is prompt, which is right). */
  private lastFlushAt = 0;

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    this.config = loadConfig(env);
    this.timeline = new Timeline(ctx.storage.sql);
    this.roster = new Roster(ctx.storage.sql);
    this.outbox = new Outbox(this.timeline, this.config);
    this.limits = new UserLimits(this.config);
    const publish: Publish = {
      event: (e) => this.publish(e),
      readMarker: (userId, seq) => {
        broadcast(this.ctx.getWebSockets(userTag(userId)), frame({ type: "read", seq }));
        this.kickOutbox();
      },
    };
    this.writes = new RoomWrites(this.timeline, this.limits, this.config, publish);
    this.reactions = new Reactions(ctx.storage.sql, this.config);
    this.threads = new Threads(ctx.storage.sql);
    this.conversation = new Conversation(
      this.timeline,
      this.roster,
      this.writes,
      this.limits,
      this.config,
      publish,
      this.reactions,
      this.threads,
    );
    if (this.timeline.initialised) this.startAnnotations();
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING_FRAME, PONG_FRAME));
    // Woken with a backlog (e.g. after an eviction mid-flush): make sure a copy is scheduled.
    if (this.timeline.initialised && this.outbox.backlog > 0) this.kickOutbox();
  }

  // ── connecting ────────────────────────────────────────────────────────────

  /**
   * Accepts a WebSocket for a user the worker has authenticated (identity in CONNECT_HEADERS),
   * if the room's own roster lets them write here; a refusal is a plain HTTP answer with the
   * error body, which the worker turns into a close code the browser can see.
   */
  override async fetch(request: Request): Promise<Response> {
    const who = JSON.parse(request.headers.get(CONNECT_HEADERS.user) ?? "null") as SocketUser | null;
    const roomId = Number(request.headers.get(CONNECT_HEADERS.room));
    if (!who || !roomId || request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return new Response("expected an authorised WebSocket upgrade", { status: 400 });
    }
    const { user } = who;
    try {
      await this.writerAccess(roomId, who);
    } catch (err) {
      const refusal = toAppError(err);
      return Response.json(refusal, { status: refusal.status });
    }
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
    server.serializeAttachment(who satisfies SocketUser);
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
   * A fresh object reads its room from PostgreSQL once, in one round trip: the row, the members
   * and bans (its roster), and the last seq, which its timeline continues. Concurrent first
   * requests share the read. No such room: 404, and nothing is kept.
   */
  private ensureLoaded(roomId: number): Promise<void> {
    if (this.timeline.initialised && this.roster.loaded) return Promise.resolve();
    this.loading ??= withDb(this.config, (db) => readSnapshot(db, roomId))
      .then((snapshot) => {
        if (!snapshot) throw notFound("Room");
        if (!this.roster.loaded) this.roster.fill(snapshot);
        if (!this.timeline.initialised) this.timeline.initialise(roomId, snapshot.lastSeq);
        this.startAnnotations();
      })
      .finally(() => {
        this.loading = null;
      });
    return this.loading;
  }

  /** Reactions and thread counters kept from here on; older messages' live in PostgreSQL. */
  private startAnnotations() {
    this.reactions.start(this.timeline.lastSeq);
    this.threads.start(this.timeline.lastSeq);
  }

  /** May read here, by the room's own roster. */
  private async readerAccess(roomId: number, who: SocketUser): Promise<RoomAccess> {
    await this.ensureLoaded(roomId);
    return reader(this.roster.room, this.roster.membership(who.user.id), who);
  }

  /** May write here; a non-member of a public room joins (in PostgreSQL, then in the roster). */
  private async writerAccess(roomId: number, who: SocketUser, join = true): Promise<RoomAccess> {
    await this.ensureLoaded(roomId);
    const { joins, ...access } = writer(this.roster.room, this.roster.membership(who.user.id), who, join);
    if (joins) {
      await withDb(this.config, (db) =>
        db.insert(roomMembers).values({ roomId, userId: who.user.id, role: "member" }).onConflictDoNothing(),
      );
      this.roster.setMember(who.user.id, "member");
    }
    return access;
  }

  /** The acting user with their current room role (from the roster: role changes apply at once). */
  private actor(who: SocketUser): Actor {
    return { ...who, role: this.roster.membership(who.user.id).role };
  }

  // ── frames from sockets ───────────────────────────────────────────────────

  /** Parse, hand to one handler, answer. Never throws: every refusal is an error frame. */
  override async webSocketMessage(ws: WebSocket, data: string | ArrayBuffer) {
    let msg: ClientFrame | undefined;
    try {
      msg = parseFrame(data, this.config.WS_MAX_FRAME_BYTES);
      const handle = this.onFrame[msg.type] as (ws: WebSocket, who: SocketUser, f: ClientFrame) => unknown;
      await handle(ws, attachmentOf(ws), msg);
    } catch (err) {
      const clientId = msg?.type === "message.send" ? (msg.client_id ?? null) : undefined;
      sendRefusal(ws, toAppError(err), clientId);
    }
  }

  private readonly onFrame: FrameHandlers = {
    ping: (ws) => sendFrame(ws, { type: "pong" }),
    "message.send": (ws, who, f) => {
      const clientId = f.client_id ?? null;
      const ack = ({ event, duplicate }: Sent) =>
        sendFrame(ws, { type: "ack", client_id: clientId, id: event.id, seq: event.seq, duplicate });
      const sent = this.post(who.user, f.content, clientId, f.reply_to ?? null);
      return sent instanceof Promise ? sent.then(ack) : ack(sent);
    },
    "reaction.add": async (ws, who, f) => {
      const { reactions: _, ...outcome } = await this.conversation.react(who.user, f.message_id, f.key, true);
      sendFrame(ws, { type: "reaction.ack", ...outcome });
    },
    "reaction.remove": async (ws, who, f) => {
      const { reactions: _, ...outcome } = await this.conversation.react(
        who.user,
        f.message_id,
        f.key,
        false,
      );
      sendFrame(ws, { type: "reaction.ack", ...outcome });
    },
    // Edits and deletes are acknowledged by their broadcast; only refusals need an answer.
    // The room role is read from the roster only where it matters (moderation), not on every send.
    "message.edit": (_ws, who, f) => this.writes.edit(this.actor(who), f.message_id, f.content),
    "message.delete": (_ws, who, f) => this.writes.remove(this.actor(who), f.message_id),
    read: (_ws, who, f) => this.writes.markRead(who.user, f.seq),
    typing: (ws, who) => {
      this.limits.take("typing", who.user.id);
      const others = this.ctx
        .getWebSockets()
        .filter((s) => s !== ws && attachmentOf(s).user.id !== who.user.id);
      broadcast(others, frame({ type: "typing", user: who.user }));
    },
  };

  /**
   * A send, sequenced in arrival order. A plain send is synchronous. A reply or a mention may
   * first read (the parent, the mentioned names), so it waits in a queue, and so does every send
   * that arrives while one waits: no send overtakes an earlier one of the same room.
   */
  private post(
    user: UserRef,
    content: string,
    clientId: string | null,
    replyTo: string | null,
  ): Sent | Promise<Sent> {
    if (this.queuedSends === 0 && !Conversation.wants(content, replyTo)) {
      return this.writes.post(user, content, clientId);
    }
    this.queuedSends++;
    const sent = this.sendQueue.then(() =>
      Conversation.wants(content, replyTo)
        ? this.conversation.post(user, content, clientId, replyTo)
        : this.writes.post(user, content, clientId),
    );
    this.sendQueue = sent.then(
      () => undefined,
      () => undefined,
    );
    return sent.finally(() => {
      this.queuedSends--;
    });
  }

  private publish(event: TimelineEvent) {
    broadcast(this.ctx.getWebSockets(), frame(event));
    this.kickOutbox();
  }

  // ── RPC from the worker (token verified there; access decided here); refusals come back as data ──

  describe(roomId: number, who: SocketUser) {
    return replyOf(async () => (await this.readerAccess(roomId, who)).room);
  }

  history(roomId: number, who: SocketUser, w: HistoryWindow) {
    return replyOf(async () => {
      await this.readerAccess(roomId, who);
      return this.conversation.decorate(await historyPage(this.timeline, this.config, w), who.user.id);
    });
  }

  sendMessage(
    roomId: number,
    who: SocketUser,
    content: string,
    clientId: string | null,
    replyTo: string | null = null,
  ) {
    return replyOf(async () => {
      await this.writerAccess(roomId, who);
      return this.post(who.user, content, clientId, replyTo);
    });
  }

  /** Replies under a message, oldest first (readers of the room). */
  thread(roomId: number, who: SocketUser, messageId: string, w: ThreadWindow) {
    return replyOf(async () => {
      await this.readerAccess(roomId, who);
      return this.conversation.thread(messageId, w, who.user.id);
    });
  }

  /** Adds or removes the caller's reaction: a write, like a send (a public room's reader joins). */
  react(roomId: number, who: SocketUser, messageId: string, key: string, on: boolean) {
    return replyOf(async () => {
      await this.writerAccess(roomId, who, on);
      return this.conversation.react(who.user, messageId, key, on);
    });
  }

  editMessage(roomId: number, who: SocketUser, messageId: string, content: string) {
    return replyOf(async () => {
      const { role } = await this.writerAccess(roomId, who, false);
      return this.writes.edit({ ...who, role }, messageId, content);
    });
  }

  deleteMessage(roomId: number, who: SocketUser, messageId: string) {
    return replyOf(async () => {
      const { role } = await this.readerAccess(roomId, who);
      return this.writes.remove({ ...who, role }, messageId);
    });
  }

  markRead(roomId: number, who: SocketUser, seq: number) {
    return replyOf(async () => {
      await this.writerAccess(roomId, who, false);
      return this.writes.markRead(who.user, seq);
    });
  }

  /**
   * A member's role or ban changed in PostgreSQL: the roster follows, open sockets act with the
   * new role at once, and a user who lost access has their sockets closed.
   */
  async rosterChanged(userId: number, m: Membership, close?: { code: number; reason: string }) {
    if (this.loading) await this.loading.catch(() => {});
    if (this.roster.loaded) {
      this.roster.setMember(userId, m.role);
      this.roster.setBanned(userId, m.banned);
    }
    if (close) this.closeUser(userId, close.code, close.reason);
  }

  /** A user's account was deleted: gone from the roster, their messages authored by nobody, sockets closed. */
  async userDeleted(userId: number) {
    if (this.loading) await this.loading.catch(() => {});
    if (this.roster.loaded) this.roster.setMember(userId, null);
    this.timeline.forgetAuthor(userId);
    this.reactions.forgetUser(userId);
    this.closeUser(userId, CloseCode.forbidden, "account deleted");
  }

  /** The room's row changed (renamed, described). */
  async roomChanged(room: RoomRow) {
    if (this.loading) await this.loading.catch(() => {});
    if (this.roster.loaded) this.roster.setRoom(room);
  }

  /** A user's global rights changed: their open sockets act with them at once. */
  async userChanged(userId: number, change: { isAdmin: boolean }) {
    for (const ws of this.ctx.getWebSockets(userTag(userId))) {
      ws.serializeAttachment({ ...attachmentOf(ws), ...change } satisfies SocketUser);
    }
  }

  /** A user lost access (4403) or their tokens were revoked (4401): their sockets close now. */
  closeUser(userId: number, code: number, reason: string) {
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
        ws.close(CloseCode.notFound, "room deleted");
      } catch {}
    }
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.alarmAt = null;
    this.timeline.reset();
    this.roster.reset();
    this.reactions.reset();
    this.threads.reset();
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
    const now = Date.now();
    this.scheduleAlarm(
      Math.max(now + FLUSH_WINDOW_MS, this.lastFlushAt + BUSY_FLUSH_INTERVAL_MS, this.retryAt),
    );
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
    this.lastFlushAt = Date.now();
    const outcome = await this.outbox.flush();
    if (outcome === "room_gone") return this.destroy();
    if (outcome === "failed") {
      this.retryAt = Date.now() + this.outbox.retryDelayMs;
      this.scheduleAlarm(this.retryAt);
    } else {
      this.retryAt = 0;
      if (this.outbox.backlog > 0) this.kickOutbox();
    }
  }
}
