import { WebSocket as ReconnectingWebSocket } from "partysocket";
import { SUBPROTOCOL } from "../../src/protocol/handshake";
import type { Message } from "./api";
import { RoomcastApi } from "./api";
import { type CloseReason, closeReason, isFinal } from "./close";
import { Emitter } from "./emitter";
import {
  type AckFrame,
  type ClientFrame,
  type ErrorFrame,
  isTimelineEvent,
  type PresenceFrame,
  type ReadFrame,
  type ReadyFrame,
  type ServerFrame,
  type TimelineEvent,
  type TypingFrame,
} from "./frames";
import { resolveWebSocket } from "./websocket";

export { SUBPROTOCOL };

export type RoomSocketOptions = {
  /** `http(s)://` base of the server; the socket goes to `ws(s)://…/ws/{roomId}`. */
  baseUrl: string;
  roomId: number;
  /** The access token, or a function read before every connection attempt. */
  token: string | (() => string | Promise<string>);
  /**
   * Called when the server refuses the token (close 4401): return a new token to reconnect with,
   * or null to stop for good (`closed` with reason `unauthorized`).
   */
  refreshToken?: () => Promise<string | null>;
  /** Backoff: first delay, ceiling and growth (ms, ms, factor); jitter of up to `jitterMs` is added. */
  backoff?: { minMs?: number; maxMs?: number; factor?: number; jitterMs?: number };
  /**
   * A WebSocket constructor, if the platform has no global one (Node < 22: `ws`'s). Without
   * either, the constructor throws a TypeError with `code: "no_websocket"` at once.
   */
  WebSocket?: typeof WebSocket;
  /** Resume from here (a `seq` and `epoch` you stored), instead of live events only. */
  resumeFrom?: { seq: number; epoch: string };
};

export type RoomSocketEvents = {
  /** Every connection's first frame. `recovered: false` is followed by a `resync`. */
  ready: ReadyFrame;
  /** Timeline events (message, message.edited, message.deleted), each once, in `seq` order. */
  event: TimelineEvent;
  /**
   * The server could not replay what was missed (`recovered: false`): here is the latest
   * history from REST, oldest first; replace what you show with it.
   */
  resync: Message[];
  presence: PresenceFrame;
  typing: TypingFrame;
  read: ReadFrame;
  /** Error frames not about a pending send (those reject the send's promise). */
  error: ErrorFrame;
  /** Connection state changes; `reason` says why a socket closed. */
  status: { state: "connecting" | "open" | "reconnecting" | "closed"; reason?: CloseReason; code?: number };
  /** The socket stopped for good; pending sends were rejected. */
  closed: { reason: CloseReason; code: number; message: string };
};

type Pending = {
  frame: Extract<ClientFrame, { type: "message.send" }> & { client_id: string };
  resolve: (ack: AckFrame) => void;
  reject: (err: Error) => void;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One room's live connection: reconnects with backoff and jitter (partysocket), resumes with
 * `since`/`epoch`, delivers each timeline event once in order, and sends through an outbox that
 * retries unacknowledged messages with the same `client_id`, so nothing is lost or doubled.
 *
 * @example
 * const room = new RoomSocket({ baseUrl: "http://127.0.0.1:8787", roomId: 1, token });
 * room.on("event", (e) => e.type === "message" && console.log(`${e.username}: ${e.content}`));
 * const ack = await room.send("hello");
 */
export class RoomSocket extends Emitter<RoomSocketEvents> {
  /** The last timeline `seq` seen (the resume cursor) and the timeline's epoch. */
  lastSeq: number | null = null;
  epoch: string | null = null;
  /** Whether the current socket has received `ready` (sends wait for it). */
  private isReady = false;
  private lastReady: ReadyFrame | null = null;
  private stopped = false;
  private readonly outbox: Pending[] = [];
  /** The head of the outbox is on the wire (sends are sequential: strict order). */
  private inFlight = false;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private token: string | null = null;
  private readonly ws: ReconnectingWebSocket;
  private readonly api: RoomcastApi;

  constructor(private readonly options: RoomSocketOptions) {
    super();
    if (options.resumeFrom) {
      this.lastSeq = options.resumeFrom.seq;
      this.epoch = options.resumeFrom.epoch;
    }
    const WebSocketImpl = resolveWebSocket(options.WebSocket);
    this.api = new RoomcastApi(options.baseUrl);
    const { minMs = 500, maxMs = 15_000, factor = 1.6, jitterMs = 500 } = options.backoff ?? {};
    this.ws = new ReconnectingWebSocket(
      () => this.nextUrl(jitterMs),
      () => this.nextProtocols(),
      {
        minReconnectionDelay: minMs,
        maxReconnectionDelay: maxMs,
        reconnectionDelayGrowFactor: factor,
        minUptime: 2000,
        connectionTimeout: 10_000,
        WebSocket: WebSocketImpl,
        // Final closes stop here; 4401 is decided by refreshToken below.
        shouldReconnectOnClose: (e) => {
          const reason = closeReason(e.code);
          return !isFinal(reason) && reason !== "unauthorized" && !this.stopped;
        },
      },
    );
    this.ws.addEventListener("message", (e) => this.onData(e.data));
    this.ws.addEventListener("open", () => this.emit("status", { state: "open" }));
    this.ws.addEventListener("close", (e) => void this.onClose(e.code, e.reason));
    this.emit("status", { state: "connecting" });
  }

  /**
   * Sends a message. Resolves with its `ack` once it is durably stored — exactly once, even if
   * the connection drops and the send is retried (same `client_id`). Sends leave one at a time,
   * in call order. `attachments`: ids of your uploads (`RoomcastApi.upload`); the text may then be empty.
   */
  send(
    content: string,
    clientId: string = crypto.randomUUID(),
    attachments: string[] = [],
  ): Promise<AckFrame> {
    if (this.stopped) return Promise.reject(new Error("the room socket is closed"));
    const frame: Pending["frame"] = { type: "message.send", content, client_id: clientId };
    if (attachments.length > 0) frame.attachments = attachments;
    return new Promise((resolve, reject) => {
      this.outbox.push({ frame, resolve, reject });
      this.pump();
    });
  }

  /** Edits your message; the result arrives as a `message.edited` event. */
  edit(messageId: string, content: string) {
    this.sendNow({ type: "message.edit", message_id: messageId, content });
  }

  /** Deletes a message; the result arrives as a `message.deleted` event. */
  delete(messageId: string) {
    this.sendNow({ type: "message.delete", message_id: messageId });
  }

  /** Moves your read marker (never back). */
  markRead(seq: number) {
    this.sendNow({ type: "read", seq });
  }

  /** Tells the others you are typing (the server allows about one a second). */
  typing() {
    this.sendNow({ type: "typing" });
  }

  /**
   * Resolves with the current connection's `ready` frame, at once if it has arrived already (a
   * listener added later would miss it), else when it does. Rejects if the socket stops first.
   */
  whenReady(): Promise<ReadyFrame> {
    if (this.isReady && this.lastReady) return Promise.resolve(this.lastReady);
    if (this.stopped) return Promise.reject(new Error("the room socket is closed"));
    return new Promise((resolve, reject) => {
      const offReady = this.on("ready", (ready) => {
        offReady();
        offClosed();
        resolve(ready);
      });
      const offClosed = this.on("closed", ({ reason }) => {
        offReady();
        offClosed();
        reject(new Error(`room socket closed: ${reason}`));
      });
    });
  }

  /** Messages queued or on the wire, not yet acknowledged. */
  get pendingSends(): number {
    return this.outbox.length;
  }

  /** Drops the current connection as a network failure would; the socket reconnects and resumes. */
  dropConnection() {
    this.ws.reconnect(4000, "dropped by the client");
  }

  /** Closes for good; pending sends are rejected. */
  close() {
    this.stop("closed", 1000, "closed by the client");
    this.ws.close(1000, "bye");
  }

  private sendNow(frame: ClientFrame) {
    if (!this.isReady) throw new Error("not connected: wait for the ready event");
    this.ws.send(JSON.stringify(frame));
  }

  private async nextUrl(jitterMs: number): Promise<string> {
    // partysocket's backoff grows deterministically; jitter keeps many clients from reconnecting
    // in lockstep after a server restart.
    if (this.ws?.retryCount > 0) await sleep(Math.random() * jitterMs);
    const url = new URL(`/ws/${this.options.roomId}`, this.options.baseUrl);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    if (this.lastSeq !== null) url.searchParams.set("since", String(this.lastSeq));
    if (this.lastSeq !== null && this.epoch) url.searchParams.set("epoch", this.epoch);
    // A busy room then sends one frame per turn instead of one per event (docs/protocol.md).
    url.searchParams.set("batch", "1");
    return url.toString();
  }

  private async nextProtocols(): Promise<string[]> {
    const { token } = this.options;
    if (typeof token === "function") this.token = await token();
    else this.token ??= token;
    // The token rides in the subprotocol: browsers cannot set headers on a WebSocket, and a query
    // string ends up in logs. The server answers with roomcast.v1 only.
    return [SUBPROTOCOL, `bearer.${this.token}`];
  }

  private onData(data: unknown) {
    if (typeof data !== "string") return;
    const parsed = JSON.parse(data) as ServerFrame | ServerFrame[];
    if (!Array.isArray(parsed)) return this.onFrame(parsed);
    for (const frame of parsed) this.onFrame(frame);
  }

  private onFrame(frame: ServerFrame) {
    if (isTimelineEvent(frame)) {
      // A resume delivers exactly what was missed; this guard only matters after a resync.
      if (this.lastSeq !== null && frame.seq <= this.lastSeq) return;
      this.lastSeq = frame.seq;
      this.emit("event", frame);
      return;
    }
    switch (frame.type) {
      case "ready":
        return void this.onReady(frame);
      case "ack":
        return this.onAck(frame);
      case "error":
        return this.onError(frame);
      case "presence":
        return this.emit("presence", frame);
      case "typing":
        return this.emit("typing", frame);
      case "read":
        return this.emit("read", frame);
    }
  }

  private async onReady(ready: ReadyFrame) {
    this.epoch = ready.epoch;
    this.lastReady = ready;
    // Nothing is replayed without a resume or after a failed one: continue from the room's end.
    const resync = ready.recovered === false;
    if (resync || this.lastSeq === null) this.lastSeq = ready.last_seq;
    this.isReady = true;
    // Whatever was on the wire when the last socket dropped goes again, same client_id.
    this.inFlight = false;
    this.pump();
    this.emit("ready", ready);
    if (!resync) return;
    // Tell the app to replace what it shows with fresh history.
    this.api.token = this.token;
    try {
      this.emit("resync", await this.api.history(ready.room_id, { limit: 100 }));
    } catch (err) {
      const message = `history could not be fetched: ${(err as Error).message}`;
      this.emit("error", { type: "error", code: "resync_failed", message });
    }
  }

  private onAck(ack: AckFrame) {
    const head = this.outbox[0];
    // A duplicate ack for a send already settled (a retry raced its first ack) is dropped.
    if (!head || head.frame.client_id !== ack.client_id) return;
    this.outbox.shift();
    this.inFlight = false;
    head.resolve(ack);
    this.pump();
  }

  private onError(err: ErrorFrame) {
    const head = this.outbox[0];
    if (!head || !err.client_id || head.frame.client_id !== err.client_id) {
      this.emit("error", err);
      return;
    }
    if (err.code === "rate_limited") {
      // Not stored: the same frame goes again when the server's bucket has room.
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        this.inFlight = false;
        this.pump();
      }, err.retry_after_ms ?? 1000);
      return;
    }
    this.outbox.shift();
    this.inFlight = false;
    head.reject(Object.assign(new Error(err.message), { code: err.code }));
    this.pump();
  }

  private pump() {
    if (!this.isReady || this.inFlight || this.retryTimer || this.stopped) return;
    const head = this.outbox[0];
    if (!head) return;
    this.inFlight = true;
    this.ws.send(JSON.stringify(head.frame));
  }

  private async onClose(code: number, message: string) {
    this.isReady = false;
    if (this.stopped) return;
    const reason = closeReason(code);
    if (reason === "unauthorized") {
      const fresh = (await this.options.refreshToken?.()) ?? null;
      if (fresh && !this.stopped) {
        this.token = fresh;
        this.emit("status", { state: "reconnecting", reason, code });
        this.ws.reconnect();
        return;
      }
      return this.stop(reason, code, message);
    }
    if (isFinal(reason)) return this.stop(reason, code, message);
    this.emit("status", { state: "reconnecting", reason, code });
  }

  private stop(reason: CloseReason, code: number, message: string) {
    if (this.stopped) return;
    this.stopped = true;
    this.isReady = false;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    for (const p of this.outbox.splice(0)) p.reject(new Error(`room socket closed: ${reason}`));
    this.emit("status", { state: "closed", reason, code });
    this.emit("closed", { reason, code, message });
  }
}
