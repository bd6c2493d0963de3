import type { AckFrame, ClientFrame, ErrorFrame } from "./frames";

/** Sends on the wire at once, unacknowledged, when the server keeps them in order (`ready.ordered`). */
export const DEFAULT_SEND_WINDOW = 16;
/** The most a `sendWindow` option may ask for: the window is a bound, not a queue. */
export const MAX_SEND_WINDOW = 256;

/** The `sendWindow` option checked (a RangeError before anything connects), or the default. */
export function sendWindowOf(asked: number | undefined): number {
  if (asked === undefined) return DEFAULT_SEND_WINDOW;
  if (!Number.isInteger(asked) || asked < 1 || asked > MAX_SEND_WINDOW) {
    throw new RangeError(`sendWindow must be an integer from 1 to ${MAX_SEND_WINDOW}`);
  }
  return asked;
}

/** A send as the outbox keeps it: always with its `client_id`, the key of every repeat. */
export type SendFrame = Extract<ClientFrame, { type: "message.send" }> & { client_id: string };

type Pending = {
  frame: SendFrame;
  resolve: (ack: AckFrame) => void;
  reject: (err: Error) => void;
};

/**
 * A room socket's sends, in call order, until each is acknowledged: `queue[0 … onWire)` were
 * sent on the current socket and are unanswered. On a server that keeps an ordered socket's
 * sends in order (it answers `ready.ordered`, docs/protocol.md "Ordered sends") up to `window`
 * of them are on the wire at once; elsewhere one, the next after its `ack`. Every send keeps its
 * `client_id`, so whatever goes again (after a reconnect, or after a refusal for now) is stored
 * once: the server answers a repeat with the first `ack`.
 *
 * What goes again goes from the first unanswered send, in order: on a new socket, everything on
 * the wire; after a refusal that holds (`error.holding`: the server then refuses every later send
 * of the socket with `held` until this one comes again), the refused send and everything after it,
 * once `retry_after_ms` has passed.
 */
export class Outbox {
  private readonly queue: Pending[] = [];
  private onWire = 0;
  /** Sends allowed on the wire for the current socket: `window` if it is ordered, else 1. */
  private limit = 1;
  private open = false;
  private stopped = false;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly window: number,
    private readonly transmit: (frame: SendFrame) => void,
  ) {}

  /** Sends queued or on the wire, not yet acknowledged. */
  get size(): number {
    return this.queue.length;
  }

  add(p: Pending) {
    this.queue.push(p);
    this.pump();
  }

  /** A socket is ready: whatever was on the wire goes again, in order (same `client_id`s). */
  connected(ordered: boolean) {
    this.open = true;
    this.limit = ordered ? this.window : 1;
    this.onWire = 0;
    this.pump();
  }

  disconnected() {
    this.open = false;
  }

  /** Settles the send this `ack` answers; false if it answers none (a repeat of a settled one). */
  acked(ack: AckFrame): boolean {
    const i = this.indexOf(ack.client_id);
    if (i < 0) return false;
    const [p] = this.settle(i);
    p?.resolve(ack);
    this.pump();
    return true;
  }

  /** Handles an `error` about a queued send; false if it is about none (the caller reports it). */
  refused(err: ErrorFrame): boolean {
    const i = this.indexOf(err.client_id ?? null);
    if (i < 0) return false;
    // Not stored, and will go again: the refusal that held the socket came just before it.
    if (err.code === "held") return true;
    // A server that does not hold (one send on the wire) says only `rate_limited`.
    if (err.holding || (this.limit === 1 && err.code === "rate_limited")) {
      this.retryFrom(i, err.retry_after_ms ?? 1000);
      return true;
    }
    const [p] = this.settle(i);
    p?.reject(Object.assign(new Error(err.message), { code: err.code }));
    this.pump();
    return true;
  }

  /** The socket stopped for good: every pending send is rejected. */
  stop(reason: string) {
    this.stopped = true;
    this.open = false;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    for (const p of this.queue.splice(0)) p.reject(new Error(`room socket closed: ${reason}`));
  }

  private indexOf(clientId: string | null): number {
    return clientId === null ? -1 : this.queue.findIndex((p) => p.frame.client_id === clientId);
  }

  private settle(i: number): Pending[] {
    if (i < this.onWire) this.onWire--;
    return this.queue.splice(i, 1);
  }

  /** Send `i` and everything after it go again after `delayMs` (the server held them, unstored). */
  private retryFrom(i: number, delayMs: number) {
    this.onWire = Math.min(this.onWire, i);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.pump();
    }, delayMs);
  }

  private pump() {
    if (!this.open || this.stopped || this.retryTimer) return;
    const end = Math.min(this.limit, this.queue.length);
    for (; this.onWire < end; this.onWire++) {
      const p = this.queue[this.onWire];
      if (p) this.transmit(p.frame);
    }
  }
}
