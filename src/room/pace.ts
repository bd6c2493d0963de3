/**
 * A room is busy while a batch's write is becoming durable and for this long after (ms): frames
 * then wait for a timer (≈ 1.1–1.5 ms in workerd) to gather what arrives meanwhile into one frame
 * and one commit. Measured: without the window a burst's batches held about two events (the next
 * frames arrive just after the commit, one by one).
 */
const BUSY_MS = 5;
/** While waiting has stopped paying, every this many busy flushes waits anyway, to notice a burst. */
const PROBE_EVERY = 8;

/**
 * When the room's output leaves (`RoomOutput`): at the end of the handler's microtasks, or after
 * a timer so that the events already waiting join the batch and share its commit. The timer pays
 * only in a burst. One message at a time answered within BUSY_MS — a conversation on a fast link,
 * the bench's quiet room on loopback — looks busy, but each wait gathers nothing and costs every
 * message a timer (measured, issue 25: ≈ 1.1 ms, bench/probes/quiet-timeline.ts). So the room
 * learns: after a wait that gathered at most one event it stops waiting, and every PROBE_EVERY-th
 * busy flush waits again to tell whether a burst has begun.
 */
export class Pace {
  /** The last flush's write is not durable yet. */
  private inFlight = false;
  /** When the last flush's write became durable: frames soon after it are a busy room's. */
  private settledAt = Number.NEGATIVE_INFINITY;
  /** The last wait gathered more than one event. */
  private waitPays = true;
  private skipped = 0;
  /** The flush now scheduled waits for a timer. */
  private waiting = false;
  /** Timeline events queued since the last flush. */
  private events = 0;

  /** Whether the flush being scheduled now should wait for a timer. */
  wait(): boolean {
    const busy = this.inFlight || Date.now() - this.settledAt < BUSY_MS;
    this.waiting = busy && (this.waitPays || ++this.skipped % PROBE_EVERY === 0);
    return this.waiting;
  }

  /** A timeline event was queued for the next flush. */
  event() {
    this.events++;
  }

  /** A flush happened; with `sync`, it waits for the flush's write to become durable. */
  flushed(sync: (() => Promise<void>) | undefined) {
    if (this.waiting) this.waitPays = this.events > 1;
    if (this.waitPays) this.skipped = 0;
    this.waiting = false;
    this.events = 0;
    if (!sync || this.inFlight) return;
    this.inFlight = true;
    const settled = () => {
      this.inFlight = false;
      this.settledAt = Date.now();
    };
    sync().then(settled, settled);
  }
}
