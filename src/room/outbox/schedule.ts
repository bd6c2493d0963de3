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
 * After a copy, an alarm stays set (the backstop): an event whose alarm is set a commit after its
 * own (see `kick`) is still copied if the object dies in between. In a room the busy interval
 * paces, it is the next copy's earliest time (see `copied`); otherwise, or once a wake of that
 * alarm found nothing, this far ahead. A wake of this one that finds nothing leaves no alarm.
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
  /** The pending alarm is the 60-s backstop (see `quietWake`). */
  private backstop = false;
  /** Not before this time while the copy to PostgreSQL is failing (backoff). */
  private retryAt = 0;
  /** When the last copy started (in memory: after a wake the first copy is prompt, which is right). */
  private lastFlushAt = 0;
  /** Since the last copy started, an event arrived that the busy interval held back. */
  private paced = false;
  /** The alarm the copy under way leaves (null: the 60-s backstop; see `copied`). */
  private afterCopy: number | null = null;
  /** An alarm to set once this turn's writes are durable (see `kick`). */
  private deferredAt: number | null = null;

  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly outbox: Outbox,
  ) {
    outbox.whenFlushed(() => this.copied());
  }

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
    const now = Date.now();
    const busyAt = this.lastFlushAt + BUSY_FLUSH_INTERVAL_MS;
    if (busyAt > now + FLUSH_WINDOW_MS) this.paced = true;
    const at = Math.max(now + FLUSH_WINDOW_MS, busyAt, this.retryAt);
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

  private schedule(at: number, unconfirmed = false, backstop = false) {
    if (this.alarmAt !== null && this.alarmAt <= at) return;
    this.alarmAt = at;
    this.backstop = backstop;
    void this.storage.setAlarm(at, { allowUnconfirmed: unconfirmed });
  }

  /**
   * A copy is recording what PostgreSQL now holds (`Timeline.markFlushed`, this very turn): the
   * alarm after the copy joins that commit, one room-file `fsync` fewer than a write of its own.
   * In a room whose copies the busy interval paces it is the next copy's earliest time: the events
   * until then find it pending and write no alarm (no alarm moved earlier, none renewed, per copy).
   */
  private copied() {
    if (this.afterCopy !== null) this.schedule(this.afterCopy, true);
    else this.schedule(Date.now() + BACKSTOP_MS, true, true);
  }

  /**
   * The alarm fired with nothing to copy: nothing to do. The wake of a paced copy's alarm (or of
   * one whose events a copy took meanwhile) leaves the 60-s backstop, so that the room's next
   * event still finds an alarm pending; the backstop's own wake leaves none.
   */
  quietWake(): boolean {
    if (this.outbox.backlog > 0 || this.retryAt > 0) return false;
    const renew = this.alarmAt !== null && !this.backstop;
    this.alarmAt = null;
    if (renew) this.schedule(Date.now() + BACKSTOP_MS, true, true);
    return true;
  }

  /** The alarm fired: copy the backlog; on failure retry with backoff. Says whether the room is gone. */
  async run(): Promise<"room_gone" | undefined> {
    this.alarmAt = null;
    this.lastFlushAt = Date.now();
    this.afterCopy = this.paced ? this.lastFlushAt + BUSY_FLUSH_INTERVAL_MS : null;
    this.paced = false;
    const copying = this.outbox.backlog > 0;
    const outcome = await this.outbox.flush();
    if (outcome === "room_gone") return outcome;
    if (outcome === "failed") {
      this.retryAt = Date.now() + this.outbox.retryDelayMs;
      this.alarmAt = null; // an alarm the copy left before it failed gives way to the backoff
      this.schedule(this.retryAt);
    } else {
      this.retryAt = 0;
      if (this.outbox.backlog > 0) this.kick();
      else if (copying) this.copied(); // only read markers were copied (no `markFlushed`)
    }
  }

  /** A wake in `ms` at the latest (a courier reminder, room.ts); an alarm due sooner stays. */
  wakeIn(ms: number) {
    this.schedule(Date.now() + ms, true);
  }

  /** The room's storage was wiped (its alarm with it): a deferred alarm belongs to no room. */
  forget() {
    this.alarmAt = null;
    this.deferredAt = null;
  }
}
