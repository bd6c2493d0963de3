import { SUBPROTOCOL, SUBPROTOCOL_V2 } from "../../src/protocol/handshake";
import type { Message } from "./api";
import {
  type Backoff,
  Channel,
  type ChannelEvents,
  type ChannelOptions,
  type ChannelStatus,
} from "./channel";
import type { CloseReason } from "./close";
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
  type UserRef,
} from "./frames";
import { Outbox, type SendFrame, sendWindowOf } from "./outbox";

export { SUBPROTOCOL };

export type RoomSocketOptions = ChannelOptions & {
  /** `http(s)://` base of the server; the socket goes to `ws(s)://…/ws/{roomId}`. */
  baseUrl: string;
  roomId: number;
  /** Backoff: first delay, ceiling and growth (ms, ms, factor); jitter of up to `jitterMs` is added. */
  backoff?: Backoff & { jitterMs?: number };
  /**
   * Sends on the wire at once before their acks (default 16, at most 256), when the server keeps
   * them in order (`ready.ordered`); 1 sends the next only after the previous one's ack. Keep it
   * well under the room's `ROOM_CACHE_EVENTS`: a send repeated after a reconnect is recognised by
   * its `client_id` while the room's recent history still holds it.
   */
  sendWindow?: number;
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
  /** Someone came or went; `online` is everyone online after it (kept by the client, see `online`). */
  presence: PresenceFrame & { online: UserRef[] };
  typing: TypingFrame;
  read: ReadFrame;
  /** Error frames not about a pending send (those reject the send's promise). */
  error: ErrorFrame;
  /** Connection state changes; `reason` says why a socket closed. */
  status: ChannelStatus;
  /** The socket stopped for good; pending sends were rejected. */
  closed: ChannelEvents["closed"];
};

/**
 * One room's live connection: reconnects with backoff and jitter (partysocket), resumes with
 * `since`/`epoch`, delivers each timeline event once in order, and sends through an outbox that
 * retries unacknowledged messages with the same `client_id`, so nothing is lost or doubled, and
 * keeps them in call order: up to `sendWindow` on the wire at once on an ordered socket
 * (`ordered=1`, see outbox.ts).
 *
 * @example
 * const room = new RoomSocket({ baseUrl: "http://127.0.0.1:8787", roomId: 1, token });
 * room.on("event", (e) => e.type === "message" && console.log(`${e.username}: ${e.content}`));
 * const ack = await room.send("hello");
 */
export class RoomSocket extends Channel<RoomSocketEvents> {
  /** Whether the current socket has received `ready` (sends wait for it). */
  private isReady = false;
  private lastReady: ReadyFrame | null = null;
  private readonly outbox: Outbox;
  /** Who is online, by id: `ready.online`, then each `presence` change (protocol v2 sends deltas). */
  private readonly present = new Map<number, UserRef>();

  constructor(options: RoomSocketOptions) {
    // batch=1: a busy room then sends one frame per turn instead of one per event (docs/protocol.md).
    // roomcast.v2: presence frames carry the change only; v1 is offered too, for an older server.
    // ordered=1: a send refused for now holds the later ones, so a window of sends stays in order.
    const { jitterMs = 500 } = options.backoff ?? {};
    const window = sendWindowOf(options.sendWindow);
    const subprotocols = [SUBPROTOCOL_V2, SUBPROTOCOL];
    super(options, {
      path: `/ws/${options.roomId}`,
      query: { batch: "1", ordered: "1" },
      jitterMs,
      minUptimeMs: 2000,
      subprotocols,
    });
    this.outbox = new Outbox(window, (frame) => this.ws.send(JSON.stringify(frame)));
  }

  /** Everyone online in the room now, as of the last `ready` and the presence changes since. */
  get online(): UserRef[] {
    return [...this.present.values()];
  }

  /**
   * Sends a message. Resolves with its `ack` once it is durably stored — exactly once, even if
   * the connection drops and the send is retried (same `client_id`). Sends are stored in call
   * order (up to `sendWindow` on the wire at once where the server keeps them in order). `attachments`: ids of your uploads (`RoomcastApi.upload`); the text may then be empty.
   */
  send(
    content: string,
    clientId: string = crypto.randomUUID(),
    attachments: string[] = [],
  ): Promise<AckFrame> {
    if (this.stopped) return Promise.reject(new Error("the room socket is closed"));
    const frame: SendFrame = { type: "message.send", content, client_id: clientId };
    if (attachments.length > 0) frame.attachments = attachments;
    return new Promise((resolve, reject) => this.outbox.add({ frame, resolve, reject }));
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
    return this.outbox.size;
  }

  private sendNow(frame: ClientFrame) {
    if (!this.isReady) throw new Error("not connected: wait for the ready event");
    this.ws.send(JSON.stringify(frame));
  }

  protected override onData(data: unknown) {
    if (typeof data !== "string") return;
    const parsed = JSON.parse(data) as ServerFrame | ServerFrame[];
    if (!Array.isArray(parsed)) return this.onFrame(parsed);
    for (const frame of parsed) this.onFrame(frame);
  }

  private onFrame(frame: ServerFrame) {
    if (this.echo(frame)) return;
    if (isTimelineEvent(frame)) {
      // A resume delivers exactly what was missed; this guard only matters after a resync.
      if (this.advance(frame.seq)) this.emit("event", frame);
      return;
    }
    switch (frame.type) {
      case "hidden":
        // An event you do not see (a blocked or shadow-banned author's): its seq is still yours.
        if (this.lastSeq === null || frame.seq > this.lastSeq) this.lastSeq = frame.seq;
        return;
      case "ready":
        return void this.onReady(frame);
      case "ack":
        return this.onAck(frame);
      case "error":
        return this.onError(frame);
      case "presence":
        return this.onPresence(frame);
      case "typing":
        return this.emit("typing", frame);
      case "read":
        return this.emit("read", frame);
    }
  }

  private onPresence(frame: PresenceFrame) {
    // Version 1 (an older server) sends the whole list; version 2 only the change.
    if (frame.online) this.present.clear();
    for (const u of frame.online ?? []) this.present.set(u.id, u);
    if (frame.event === "join") this.present.set(frame.user.id, frame.user);
    else this.present.delete(frame.user.id);
    this.emit("presence", { ...frame, online: this.online });
  }

  private async onReady(ready: ReadyFrame) {
    this.present.clear();
    for (const u of ready.online) this.present.set(u.id, u);
    this.epoch = ready.epoch;
    this.lastReady = ready;
    // Nothing is replayed without a resume or after a failed one: continue from the room's end.
    const resync = ready.recovered === false;
    if (resync || this.lastSeq === null) this.lastSeq = ready.last_seq;
    this.isReady = true;
    // Whatever was on the wire when the last socket dropped goes again, same client_id, in order.
    this.outbox.connected(ready.ordered === true);
    this.emit("ready", ready);
    if (!resync) return;
    // Tell the app to replace what it shows with fresh history.
    try {
      this.emit("resync", await this.rest().history(ready.room_id, { limit: 100 }));
    } catch (err) {
      const message = `history could not be fetched: ${(err as Error).message}`;
      this.emit("error", { type: "error", code: "resync_failed", message });
    }
  }

  private onAck(ack: AckFrame) {
    // A duplicate ack for a send already settled (a retry raced its first ack) is dropped.
    this.outbox.acked(ack);
  }

  private onError(err: ErrorFrame) {
    // The room refused this connect for now (the close follows): reconnect no sooner than it said.
    if (err.code === "connect_rate_limited") {
      this.holdUntil = Date.now() + (err.retry_after_ms ?? 1000);
      return;
    }
    // About a pending send: settled, or sent again later (refused for now); else the app's.
    if (!this.outbox.refused(err)) this.emit("error", err);
  }

  protected override onDisconnect() {
    this.isReady = false;
    this.outbox.disconnected();
  }

  protected override onStop(reason: CloseReason) {
    this.isReady = false;
    this.outbox.stop(reason);
  }
}
