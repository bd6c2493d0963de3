import { AWAY_MAX } from "../../courier/quiet";
import { courierStub } from "../../courier/stub";
import type { Bindings } from "../../env";
import type { Roster } from "../access/roster";
import { attachmentOf } from "../socket/identity";
import type { SeenLive } from "../socket/seen-live";
import type { Timeline } from "../timeline/timeline";
import type { Outbox } from "./outbox";

/**
 * A copy that is still running tells its courier at most this often. A busy room's copy loops
 * while new events arrive (`Outbox.drain`), in one PostgreSQL session, for as long as the room
 * stays busy: told only at its end, a push for its first message would wait for the whole burst.
 */
export const NOTICE_INTERVAL_MS = 1000;

type Parts = {
  env: Bindings;
  ctx: DurableObjectState;
  roster: Roster;
  timeline: Timeline;
  outbox: Outbox;
  seen: Pick<SeenLive, "take">;
};

/**
 * Tells the room's courier (src/courier/) which events reached PostgreSQL: at the end of each copy
 * (`tell`) and, while a long copy runs, what it copied so far (`during`), each range following the
 * last. A notice is not kept: the next one covers a lost one (the courier keeps its own cursors
 * and only moves its head forward; a gap it sees is decided by its run). A room that copies nothing
 * more reminds its courier instead (`remind`, on a wake with nothing to copy): soon after a failed
 * call (`retryInMs`), and on the first wake of a new object, whose predecessor may have died
 * between a copy's commit and its notice (at the latest the 60-s backstop alarm after that copy).
 */
export class CourierNotices {
  /** The last seq told (or in PostgreSQL when this copy began). */
  private toldSeq = 0;
  private toldAt = 0;
  /** A notice may be owed: the last call failed, or this object is new (see `remind`). */
  private owed = true;
  /** The first seq of a notice whose call failed (unknown on a new object). */
  private owedFrom: number | null = null;
  /** Calls failed in a row (the reminders back off). */
  private failures = 0;

  private readonly p: Parts;

  constructor(
    env: Bindings,
    ctx: DurableObjectState,
    roster: Roster,
    timeline: Timeline,
    outbox: Outbox,
    seen: Pick<SeenLive, "take">,
  ) {
    this.p = { env, ctx, roster, timeline, outbox, seen };
  }

  /** A copy begins: what PostgreSQL holds already was told by an earlier copy. */
  begin() {
    this.toldSeq = this.p.timeline.flushedSeq;
  }

  /** Between two batches of one copy: what is copied so far, at most once per `NOTICE_INTERVAL_MS`. */
  async during() {
    if (Date.now() - this.toldAt >= NOTICE_INTERVAL_MS) await this.tell();
  }

  /** What was copied since the last notice, if anything. */
  async tell() {
    const range = { fromSeq: this.toldSeq + 1, toSeq: this.p.timeline.flushedSeq };
    if (range.toSeq < range.fromSeq) return;
    this.toldSeq = range.toSeq;
    this.toldAt = Date.now();
    // After a failed call this notice covers its range too, decided from PostgreSQL (the lost
    // notice's mentions went with it): so a courier that never heard from the room starts there.
    const lostFrom = this.owedFrom;
    const told = await tellCourier(
      this.p,
      { fromSeq: lostFrom ?? range.fromSeq, toSeq: range.toSeq },
      this.p.outbox.takeMentioned(),
      lostFrom === null,
    );
    if (!told) this.owedFrom ??= range.fromSeq;
    this.settled(told);
  }

  /**
   * A wake with nothing to copy: when a notice may be owed, tells the courier again what
   * PostgreSQL holds (it ignores what it knows). Cheap when nothing was lost: one call, no run.
   */
  async remind() {
    const headSeq = this.p.timeline.flushedSeq;
    if (!this.owed || headSeq === 0) return;
    const roomId = this.p.timeline.roomId;
    const live = liveUsers(this.p.ctx);
    const seen = this.p.seen.take(this.owedFrom ?? 0, headSeq, live);
    try {
      await courierStub(this.p.env, roomId).reminded(roomId, this.owedFrom, headSeq, [...live], seen.seen);
      this.settled(true);
    } catch (err) {
      seen.kept();
      this.settled(false);
      console.warn(`room ${roomId}: courier reminder failed (again in ${this.retryInMs} ms)`, err);
    }
  }

  /** When to wake to remind the courier after failed calls, or null when none failed. */
  get retryInMs(): number | null {
    if (!this.owed || this.failures === 0) return null;
    return Math.min(RETRY_MAX_MS, RETRY_MS * 2 ** (this.failures - 1));
  }

  private settled(told: boolean) {
    this.owed = !told;
    this.failures = told ? 0 : this.failures + 1;
    if (told) this.owedFrom = null;
  }
}

/** The first reminder after a failed call; doubled after each failure, up to the backstop's minute. */
const RETRY_MS = 2000;
const RETRY_MAX_MS = 60_000;

/** The users with a socket in the room now. */
function liveUsers(ctx: DurableObjectState) {
  const live = new Set<number>();
  for (const ws of ctx.getWebSockets()) {
    const who = attachmentOf(ws);
    if (who?.user) live.add(who.user.id);
  }
  return live;
}

/**
 * One notice: events `fromSeq`..`toSeq` are in PostgreSQL, with the users whose sockets are
 * connected now: they received those events live and are not pushed; and what members whose
 * sockets closed since were sent of them (`seen`, socket/seen-live.ts): not pushed either. With
 * them the members without a socket (less those sent the whole range) and whom the copied
 * messages mention (`mentioned`): when none of those can be pushed and no webhook endpoint waits,
 * the courier decides without PostgreSQL (src/courier/quiet.ts).
 */
async function tellCourier(
  p: Parts,
  range: { fromSeq: number; toSeq: number },
  mentioned: number[],
  mayDecideHere = true,
): Promise<boolean> {
  const roomId = p.timeline.roomId;
  const live = liveUsers(p.ctx);
  const seen = p.seen.take(range.fromSeq, range.toSeq, live);
  const sawAll = seen.seen.filter(([, from, to]) => from <= range.fromSeq && to >= range.toSeq);
  const present = sawAll.length === 0 ? live : new Set([...live, ...sawAll.map(([id]) => id)]);
  const users = mayDecideHere ? p.roster.membersOutside(present, AWAY_MAX) : undefined;
  const away = users ? { users, mentioned } : undefined;
  try {
    const courier = courierStub(p.env, roomId);
    await courier.sequenced(roomId, range.fromSeq, range.toSeq, [...live], away, seen.seen);
    return true;
  } catch (err) {
    seen.kept();
    console.warn(`room ${roomId}: courier notice failed (a reminder or the next notice covers it)`, err);
    return false;
  }
}
