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
 * After a copy, an alarm stays set this far ahead (the backstop): an event whose alarm is set a
 * commit after its own (see `kick`) is still copied if the object dies in between. It fires once
 * after a room's last copy and is not renewed by a copy of nothing.
 */
const BACKSTOP_MS = 60_000;

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
  /** An alarm to set once this turn's writes are durable (see `kick`). */
  private deferredAt: number | null = null;

  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly outbox: Outbox,
  ) {}

  /**
   * Something was appended: copy soon. A short window gathers a busy room's events into one
   * connection and one INSERT; while PostgreSQL is failing, arrivals wait for the backoff
   * instead of hammering it.
   *
   * While an alarm is pending (the backstop after a copy, at the latest), moving it earlier
   * waits until the event's own write is durable: an alarm moved earlier is handed to the
   * runtime's alarm manager *before* the commit it belongs to (workerd's
   * `ActorSqlite::startPrecommitAlarmScheduling`; locally its own SQLite file and `fsync`), so
   * every quiet message's frames waited for two durable writes instead of one (measured, issue
   * 25, bench/probes/quiet-timeline.ts). Should the object die in between, the pending alarm
   * still fires. With no alarm known to be pending (the first event after a quiet minute, or
   * after a wake) nothing else would copy the event, so its alarm goes in its own commit.
   */
  kick() {
    const at = Math.max(
      Date.now() + FLUSH_WINDOW_MS,
      this.lastFlushAt + BUSY_FLUSH_INTERVAL_MS,
      this.retryAt,
    );
    if (this.alarmAt !== null && this.alarmAt <= at) return;
    if (this.alarmAt === null && this.deferredAt === null) return this.schedule(at);
    if (this.deferredAt !== null) {
      this.deferredAt = Math.min(this.deferredAt, at);
      return;
    }
    this.deferredAt = at;
    const later = () => {
      const due = this.deferredAt;
      this.deferredAt = null;
      // Unconfirmed: the frames of a later turn need not wait for a backstop's write either.
      if (due !== null) this.schedule(due, true);
    };
    this.storage.sync().then(later, (err: unknown) => {
      this.deferredAt = null;
      console.error("room: writes failed, no copy scheduled for them", err);
    });
  }

  private schedule(at: number, unconfirmed = false) {
    if (this.alarmAt !== null && this.alarmAt <= at) return;
    this.alarmAt = at;
    void this.storage.setAlarm(at, { allowUnconfirmed: unconfirmed });
  }

  /** The alarm fired with nothing to copy (the backstop, after a quiet minute): nothing to do. */
  quietWake(): boolean {
    if (this.outbox.backlog > 0 || this.retryAt > 0) return false;
    this.alarmAt = null;
    return true;
  }

  /** The alarm fired: copy the backlog; on failure retry with backoff. Says whether the room is gone. */
  async run(): Promise<"room_gone" | undefined> {
    this.alarmAt = null;
    this.lastFlushAt = Date.now();
    const copying = this.outbox.backlog > 0;
    const outcome = await this.outbox.flush();
    if (outcome === "room_gone") return outcome;
    if (outcome === "failed") {
      this.retryAt = Date.now() + this.outbox.retryDelayMs;
      this.schedule(this.retryAt);
    } else {
      this.retryAt = 0;
      if (this.outbox.backlog > 0) this.kick();
      else if (copying) this.schedule(Date.now() + BACKSTOP_MS, true);
    }
  }

  /** The room's storage was wiped (its alarm with it): a deferred alarm belongs to no room. */
  forget() {
    this.alarmAt = null;
    this.deferredAt = null;
  }
}
