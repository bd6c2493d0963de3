import type { RoomHead } from "../../protocol";

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS inbox_watchers (
    user_id INTEGER PRIMARY KEY,
    floor INTEGER NOT NULL DEFAULT 0,
    gen INTEGER NOT NULL DEFAULT 0
  );
`;

/** A round's timer (ms): see `schedule`. */
const ROUND_DELAY_MS = 2;
/** Calls in flight at once from one room to members' inboxes (each a call to another object). */
const CONCURRENCY = 64;

type Watcher = { user_id: number; floor: number; gen: number };

/** Where heads go: a member's inbox object; false means "stop pushing to me". */
export type HeadSink = (userId: number, head: RoomHead) => Promise<boolean>;
/** The head of this room for one member, computed now (`floor`: their marker as PostgreSQL had it). */
export type HeadSource = (userId: number, floor: number) => RoomHead;

/**
 * Pushes this room's head to the inboxes of the members who have a device connected there (the
 * inbox registers itself with `watch`; it answers false once no device is connected, and is then
 * dropped). Never on the sequencing path: an event only marks the head as moved; the pushes run
 * after the turn (after the event's frames are out), one round at a time, so a busy room sends
 * each watcher at most one head per round however many events the round covers. A marker that
 * moved is pushed to its own member only. Watchers live in SQLite (they survive eviction); the
 * round itself is memory: an evicted room pushes again at its next event.
 */
export class HeadPushes {
  private moved = false;
  private readonly markers = new Set<number>();
  private scheduled = false;
  private running = false;
  /** How many watchers the table holds (null: not counted since it changed); 0 skips every round. */
  private watchers: number | null = null;

  constructor(
    private readonly sql: SqlStorage,
    private readonly source: HeadSource,
    private readonly sink: HeadSink,
  ) {
    this.load();
  }

  load() {
    this.sql.exec(SCHEMA);
    this.watchers = null;
  }

  /** A member's inbox wants this room's heads; `floor` is their read marker as PostgreSQL had it. */
  watch(userId: number, floor: number) {
    this.sql.exec(
      `INSERT INTO inbox_watchers (user_id, floor) VALUES (?, ?)
       ON CONFLICT (user_id) DO UPDATE SET floor = max(floor, excluded.floor), gen = gen + 1`,
      userId,
      floor,
    );
    this.watchers = null;
  }

  /** The member lost the room: no more pushes, from now on. */
  unwatch(userId: number) {
    this.sql.exec("DELETE FROM inbox_watchers WHERE user_id = ?", userId);
    this.markers.delete(userId);
    this.watchers = null;
  }

  /** The inbox said "no device here" to a push: dropped, unless it watched again since. */
  private declined(t: Watcher) {
    this.sql.exec("DELETE FROM inbox_watchers WHERE user_id = ? AND gen = ?", t.user_id, t.gen);
    this.watchers = null;
  }

  get watcherCount(): number {
    this.watchers ??= this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM inbox_watchers").one().n;
    return this.watchers;
  }

  /**
   * The room's head moved (a message, a delete): every watcher hears of it in the next round.
   * While nobody watches, nothing is scheduled (a busy room's every event asks: no timer, no query).
   */
  headMoved() {
    if (this.watcherCount === 0) return;
    this.moved = true;
    this.schedule();
  }

  /** One member's read marker moved: that member's inbox hears of it in the next round. */
  markerMoved(userId: number) {
    if (this.watcherCount === 0) return;
    this.markers.add(userId);
    this.schedule();
  }

  private schedule() {
    if (this.scheduled || this.running) return;
    this.scheduled = true;
    // After the turn: the frames of the events that moved the head leave first. And after the
    // group commit's backstop (due 1 ms after a row, timeline/group-commit.ts): workerd fires
    // timers in order of when they are due, and a round that ran before it made the room's
    // back-to-back sends with 100 inboxes watching ≈ 4× slower (the bench's inbox line: ≈ 55
    // against ≈ 240 messages/s, three runs each).
    setTimeout(() => void this.run(), ROUND_DELAY_MS);
  }

  private async run() {
    this.scheduled = false;
    this.running = true;
    try {
      while (this.moved || this.markers.size > 0) {
        const targets = this.targets();
        this.moved = false;
        this.markers.clear();
        await this.round(targets);
      }
    } catch (err) {
      console.error("room: head pushes failed", err);
    } finally {
      this.running = false;
    }
  }

  private targets(): Watcher[] {
    const all = this.sql.exec<Watcher>("SELECT user_id, floor, gen FROM inbox_watchers");
    const rows = all.toArray();
    return this.moved ? rows : rows.filter((r) => this.markers.has(r.user_id));
  }

  /** One head to each target, at most CONCURRENCY calls at a time; each computed as it leaves. */
  private async round(targets: Watcher[]) {
    let next = 0;
    const worker = async () => {
      while (next < targets.length) {
        const t = targets[next++] as Watcher;
        try {
          if (!(await this.sink(t.user_id, this.source(t.user_id, t.floor)))) this.declined(t);
        } catch (err) {
          console.warn("room: a head push failed", t.user_id, err);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, targets.length) }, worker));
  }
}
