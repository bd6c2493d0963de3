import { AWAY_MAX } from "../../courier/quiet";
import { courierStub } from "../../courier/stub";
import type { Bindings } from "../../env";
import type { Roster } from "../access/roster";
import { attachmentOf } from "../socket/identity";
import type { Timeline } from "../timeline/timeline";
import type { Outbox } from "./outbox";

/**
 * A copy that is still running tells its courier at most this often. A busy room's copy loops
 * while new events arrive (`Outbox.drain`), in one PostgreSQL session, for as long as the room
 * stays busy: told only at its end, a push for its first message would wait for the whole burst.
 */
export const NOTICE_INTERVAL_MS = 1000;

type Parts = { env: Bindings; ctx: DurableObjectState; roster: Roster; timeline: Timeline; outbox: Outbox };

/**
 * Tells the room's courier (src/courier/) which events reached PostgreSQL: at the end of each copy
 * (`tell`) and, while a long copy runs, what it copied so far (`during`), each range following the
 * last. A notice that fails is not retried here: the next one covers it (the courier keeps its own
 * cursors and only moves its head forward; a gap it sees is decided by its run). Until the room
 * copies again, nothing is told: the pushes and deliveries of a lost notice (the call failed, or
 * the object died between the copy's commit and the call) wait for the room's next event.
 */
export class CourierNotices {
  /** The last seq told (or in PostgreSQL when this copy began). */
  private toldSeq = 0;
  private toldAt = 0;

  private readonly p: Parts;

  constructor(env: Bindings, ctx: DurableObjectState, roster: Roster, timeline: Timeline, outbox: Outbox) {
    this.p = { env, ctx, roster, timeline, outbox };
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
    await tellCourier(this.p, range, this.p.outbox.takeMentioned());
  }
}

/**
 * One notice: events `fromSeq`..`toSeq` are in PostgreSQL, with the users whose sockets are
 * connected now: they received those events live and are not pushed. With them the members
 * without a socket and whom the copied messages mention (`mentioned`): when none of those can be
 * pushed and no webhook endpoint waits, the courier decides without PostgreSQL (src/courier/quiet.ts).
 */
async function tellCourier(p: Parts, range: { fromSeq: number; toSeq: number }, mentioned: number[]) {
  const roomId = p.timeline.roomId;
  const live = new Set<number>();
  for (const ws of p.ctx.getWebSockets()) {
    const who = attachmentOf(ws);
    if (who?.user) live.add(who.user.id);
  }
  const users = p.roster.membersOutside(live, AWAY_MAX);
  const away = users ? { users, mentioned } : undefined;
  try {
    await courierStub(p.env, roomId).sequenced(roomId, range.fromSeq, range.toSeq, [...live], away);
  } catch (err) {
    console.warn(`room ${roomId}: courier notice failed (the next notice covers its range)`, err);
  }
}
