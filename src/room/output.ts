import type { AppError } from "../errors";
import type { ServerFrame, TimelineEvent } from "../protocol";
import { BATCH_MAX_CHARS, CloseCode } from "../protocol";
import type { HiddenEvents } from "./moderation/hidden";
import type { CopySchedule } from "./outbox/schedule";
import { Pace } from "./pace";
import { closeByRoom } from "./socket/close";
import { type Batched, frame } from "./socket/codec";
import { userTag } from "./socket/identity";
import { SharedFrames } from "./socket/shared-frames";
import type { Timeline } from "./timeline/timeline";

/** The tag of sockets that asked for batches (`?batch=1`); it survives hibernation. */
export const BATCH_TAG = "batch";

/** How a write leaves the room: the output itself, or a follower that wraps it (`MemberHeads.observe`). */
export type Publish = Pick<RoomOutput, "event" | "readMarker">;

/** What the output needs of the object, the timeline and the copy (narrow, so a test can stand in). */
type Sockets = Pick<DurableObjectState, "getWebSockets"> & { storage?: Pick<DurableObjectStorage, "sync"> };
/** `lastSeq` (a stand-in without it starts at 0): where `sentSeq` starts on a wake. */
type Written = Pick<Timeline, "commit" | "whenLost"> & Partial<Pick<Timeline, "lastSeq">>;
type Copies = Pick<CopySchedule, "kick">;

/**
 * Everything that leaves the room, and the rules for letting it leave. Nothing about an event
 * leaves before the event is written: every frame writes what the timeline has pending first
 * (group commit, `timeline/group-commit.ts`), and the runtime's output gate then holds the frame
 * until that write is durable. If a write fails, the frames queued for its events are abandoned
 * (never sent) and their sockets closed with 1011. A published event also schedules its copy to
 * PostgreSQL (`outbox/schedule.ts`).
 *
 * Frames leave when the room's code has run (at the end of the handler's microtasks), and in a
 * busy room when a timer fires (`pace.ts`), so that what arrives meanwhile shares one SQLite commit
 * instead of one per event (an `fsync` each, locally). A quiet room's frames leave at once: no
 * timer (a `setTimeout(0)` costs ≈ 1.1–1.5 ms in workerd). Most clients get one frame per event. A
 * client that connected with `?batch=1` (the typed client does) gets what was queued for it as one
 * frame, a JSON array in order: one frame per socket per flush (docs/protocol.md, "Batches"). Order is per socket and total: acks, errors and events leave in the order produced.
 */
export class RoomOutput {
  private readonly batching = new WeakSet<WebSocket>();
  /** What is queued: each socket's own frames, and the events to every socket, kept once. */
  private readonly queued: SharedFrames;
  private flushScheduled = false;
  private readonly pace = new Pace();
  /** The last event queued, and the last one a flush handed to every live socket (`sentSeq`). */
  private queuedSeq: number;
  private sent: number;

  /** After a wake, the sockets tagged BATCH_TAG say which sockets batch. */
  constructor(
    private readonly ctx: Sockets,
    private readonly timeline: Written,
    private readonly copies: Copies,
    /** Largest batch frame: a longer queue (a replay) leaves as several. */
    private readonly maxBatchBytes = BATCH_MAX_CHARS,
  ) {
    for (const ws of ctx.getWebSockets(BATCH_TAG)) this.batching.add(ws);
    // A new object (a wake): whatever the last one sequenced, it sent before it slept.
    this.queuedSeq = this.sent = timeline.lastSeq ?? 0;
    this.queued = new SharedFrames(ctx);
    timeline.whenLost(() => this.abandon());
  }

  private hidden: Pick<HiddenEvents, "audience" | "views"> | undefined;
  /** Counts what leaves per socket (flow control, `socket/flow.ts`). */
  private meter: { sent(ws: WebSocket, chars: number): unknown } | undefined;
  /** Sockets still replaying (`socket/replay.ts`): their replay delivers the events, not the broadcast. */
  private readonly held = new Set<WebSocket>();

  /** What leaves is counted per socket, so that a socket that does not read is closed (`socket/flow.ts`). */
  meterWith(meter: { sent(ws: WebSocket, chars: number): unknown }) {
    this.meter = meter;
  }

  /** Timeline events skip `ws` until `release`: its replay sends them, in order, after the older ones. */
  hold(ws: WebSocket) {
    this.queued.handOver();
    this.held.add(ws);
  }

  release(ws: WebSocket) {
    this.held.delete(ws);
  }

  private live(sockets: WebSocket[]): WebSocket[] {
    return this.held.size === 0 ? sockets : sockets.filter((ws) => !this.held.has(ws));
  }

  /** What some readers may not see (moderation/hidden.ts): they get a placeholder at its seq. */
  hideWith(hidden: Pick<HiddenEvents, "audience" | "views">) {
    this.hidden = hidden;
  }

  /** A new timeline event: to every socket (serialised once), then its copy to PostgreSQL is scheduled. */
  event(e: TimelineEvent) {
    const rule = this.hidden;
    const audience = rule?.audience(e);
    this.pace.event();
    this.queuedSeq = e.seq;
    // To every socket, one push whatever the fan-out, unless one is held.
    if (!rule || !audience) {
      if (this.held.size > 0) this.broadcast(this.live(this.queued.all()), frame(e));
      else if (this.queued.share(frame(e))) this.schedule();
    } else {
      // Whole to those who may see it, a `hidden` placeholder at the same seq to everyone else
      // (and without its quote to those who may not see the message it replies to).
      for (const [sockets, view] of rule.views(this.ctx, e, audience)) {
        if (sockets.length > 0) this.broadcast(this.live(sockets), frame(view));
      }
    }
    this.copies.kick();
  }

  /** A user's read marker moved: to every socket of theirs; the copy carries it to PostgreSQL. */
  readMarker(userId: number, seq: number) {
    this.broadcast(this.ctx.getWebSockets(userTag(userId)), frame({ type: "read", seq }));
    this.copies.kick();
  }

  /**
   * The last event every live socket was sent (handed to it by a flush; a socket still replaying
   * follows its own cursor): what a socket that closes now saw (`socket/seen-live.ts`).
   */
  get sentSeq(): number {
    return this.sent;
  }

  /** A socket was accepted; `batch`: it asked for batches. */
  accepted(ws: WebSocket, batch: boolean) {
    if (batch) this.batching.add(ws);
    this.queued.changed();
  }

  /** A socket is gone (its close or error handler ran). */
  departed() {
    this.queued.changed();
  }

  send(ws: WebSocket, f: ServerFrame) {
    this.sendData(ws, frame(f));
  }

  /** One already-serialised frame to each socket: serialised once, whatever the fan-out. */
  broadcast(sockets: WebSocket[], data: string) {
    for (const ws of sockets) this.sendData(ws, data);
  }

  /** The error frame for a refusal: the socket counterpart of the HTTP error body. `holding`: socket/send-order.ts. */
  refuse(ws: WebSocket, err: AppError, clientId?: string | null, holding = false) {
    this.send(ws, {
      type: "error",
      code: err.code,
      message: err.message,
      ...(clientId !== undefined && { client_id: clientId }),
      ...(err.retryAfterMs !== undefined && { retry_after_ms: Math.ceil(err.retryAfterMs) }),
      ...(holding && { holding }),
      ...(err.details !== undefined && { details: err.details }),
    });
  }

  /** Closes sockets with a code the client can act on, after what is queued for them. */
  close(sockets: WebSocket[], code: number, reason: string) {
    this.written();
    this.queued.changed();
    for (const ws of sockets) {
      this.flushOne(ws);
      closeByRoom(ws, code, reason);
    }
  }

  /** Every frame is queued, batching or not: a busy room's frames share one commit (group commit). */
  private sendData(ws: WebSocket, data: string) {
    this.queued.queue(ws, data);
    this.schedule();
  }

  private schedule() {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // A quiet room: at the end of this run of its code. A busy one: after the events already
    // waiting (a timer), so that what they produce joins the batch and shares its commit.
    if (this.pace.wait()) setTimeout(() => this.flush(), 0);
    else queueMicrotask(() => this.flush());
  }

  /** Sends what is queued for one socket now (a replay paces itself by what has left). */
  flushNow(ws: WebSocket) {
    if (this.written()) this.flushOne(ws);
  }

  /** Sends every socket what is queued for it: one frame each; the room is busy until it is durable. */
  flush() {
    this.flushScheduled = false;
    if (!this.written()) return;
    let last: Batched | undefined;
    for (const ws of this.queued.audience()) last = this.flushOne(ws, last, true);
    for (const ws of this.queued.owners()) last = this.flushOne(ws, last, false);
    this.queued.end();
    this.sent = this.queuedSeq;
    const storage = this.ctx.storage;
    this.pace.flushed(storage && (() => storage.sync()));
  }

  /** Writes what is pending; false if that failed (`abandon` has then dropped the queues). */
  private written(): boolean {
    try {
      this.timeline.commit();
      return true;
    } catch (err) {
      console.error("room: frames held back, their events could not be written", err);
      return false;
    }
  }

  /**
   * Events could not be written: the frames queued for them must not leave. Every socket with
   * queued frames is closed with 1011, so that its client reconnects with `since` and resends
   * what was not acknowledged (by `client_id`).
   */
  private abandon() {
    this.queued.handOver();
    for (const ws of this.queued.owners()) closeByRoom(ws, CloseCode.storageFailure, "storage failure");
    this.queued.clear();
    // Their seqs are given out again: nothing past the last flush counts as sent.
    this.queuedSeq = this.sent;
  }

  /** `last`: the previous batching socket's frames in this flush (reused if its queue was the same). */
  private flushOne(ws: WebSocket, last?: Batched, member?: boolean): Batched | undefined {
    const drained = this.queued.drain(ws, member);
    if (!drained) return last;
    const { own, rest } = drained;
    // A socket without batches gets its frames one by one, as produced, after the same commit.
    if (!this.batching.has(ws)) {
      if (own) for (const data of own) this.transmit(ws, data);
      if (rest) for (const data of rest) this.transmit(ws, data);
      return last;
    }
    const batched = this.queued.batched(own, rest, this.maxBatchBytes, last);
    for (const data of batched.frames) this.transmit(ws, data);
    return batched;
  }

  /** A socket that is closing fails quietly (its close handler cleans up). */
  private transmit(ws: WebSocket, data: string) {
    try {
      ws.send(data);
    } catch {
      return;
    }
    this.meter?.sent(ws, data.length);
  }
}
