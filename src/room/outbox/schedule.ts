import type { Outbox } from "./outbox";

/** How long the outbox waits to gather events before copying them to PostgreSQL. */
const FLUSH_WINDOW_MS = 50;
/**
 * A busy room copies at most once per this interval: each copy opens a PostgreSQL connection
 * (a backend fork), so 100 busy rooms copying every 50 ms would open 2,000 a second. Nobody waits
 * for the copy: history and resume read unflushed events from the room itself.
 */
const BUSY_FLUSH_INTERVAL_MS = 1000;

/**
 * When the copy to PostgreSQL runs. It runs in the alarm handler, an event of its own: its
 * database connection then belongs to an event that lasts until the copy is done, never to a
 * request or socket message that has already been answered. An alarm due now fires within
 * milliseconds; it doubles as the retry (with backoff) and as the backstop after an eviction.
 */
export class CopySchedule {
  /** When the next alarm is due, as far as this instance knows (saves redundant storage writes). */
  private alarmAt: number | null = null;
  /** Not before this time while the copy to PostgreSQL is failing (backoff). */
  private retryAt = 0;
  /** When the last copy started (in memory: after a wake the first copy is prompt, which is right). */
  private lastFlushAt = 0;

  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly outbox: Outbox,
  ) {}

  /**
   * Something was appended: copy soon. A short window gathers a busy room's events into one
   * connection and one INSERT; while PostgreSQL is failing, arrivals wait for the backoff
   * instead of hammering it.
   */
  kick() {
    const at = Math.max(
      Date.now() + FLUSH_WINDOW_MS,
      this.lastFlushAt + BUSY_FLUSH_INTERVAL_MS,
      this.retryAt,
    );
    this.schedule(at);
  }

  private schedule(at: number) {
    if (this.alarmAt !== null && this.alarmAt <= at) return;
    this.alarmAt = at;
    this.storage.setAlarm(at);
  }

  /** The alarm fired: copy the backlog; on failure retry with backoff. Says whether the room is gone. */
  async run(): Promise<"room_gone" | undefined> {
    this.alarmAt = null;
    this.lastFlushAt = Date.now();
    const outcome = await this.outbox.flush();
    if (outcome === "room_gone") return outcome;
    if (outcome === "failed") {
      this.retryAt = Date.now() + this.outbox.retryDelayMs;
      this.schedule(this.retryAt);
    } else {
      this.retryAt = 0;
      if (this.outbox.backlog > 0) this.kick();
    }
  }

  /** The room's storage was wiped (its alarm with it). */
  forget() {
    this.alarmAt = null;
  }
}
