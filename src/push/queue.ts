import { DurableObject } from "cloudflare:workers";
import { runAlarm, wakeBy } from "../alarms";
import { withDb } from "../db/client";
import { type Bindings, type Config, loadConfig } from "../env";
import { vapidKeys } from "./config";
import type { PushPayload } from "./payload";
import { ALL_DEVICES, type Pending, PendingPushes } from "./pending";
import { conversationTopic } from "./request";
import { forgetSubscription, sendPush, stillWanted, subscriptionsOf } from "./send";

const RETRY_MAX_MS = 10 * 60_000;
/** A push still refused after this many attempts is dropped (logged): the TTL would end it anyway. */
const MAX_ATTEMPTS = 10;

/**
 * One user's pushes (one object per user): queued in its SQLite, so nothing queued is lost when
 * the object is evicted or the process restarts, and sent from its alarm, off the rooms'
 * sequencing path. A push waits `PUSH_DELAY_MS` first, so that reading the message on another
 * device (or a newer message in the same room) can replace or cancel it.
 */
export class PushQueue extends DurableObject<Bindings> {
  private readonly config: Config;
  private readonly pending: PendingPushes;

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    this.config = loadConfig(env);
    this.pending = new PendingPushes(ctx.storage.sql);
  }

  /** Queues a push for one of the user's rooms, replacing what is still pending for that room. */
  async enqueue(userId: number, payload: PushPayload) {
    const due = Date.now() + this.config.PUSH_DELAY_MS;
    this.pending.replace(userId, payload, due);
    await this.schedule();
  }

  /** What is still queued (tests and operators). */
  async queued() {
    return this.pending.due(Number.MAX_SAFE_INTEGER).length;
  }

  override async alarm() {
    const run = async () => {
      const userId = this.pending.owner();
      const vapid = vapidKeys(this.config);
      const due = this.pending.due(Date.now());
      if (userId !== null && due.length > 0) {
        if (!vapid) for (const p of due) this.pending.drop(p);
        else await this.sendDue(userId, due, vapid);
      }
      // Rows fanned out to devices are due at once: the next run comes straight after this one.
      return this.pending.nextDue();
    };
    // PostgreSQL unreachable: the queue is in SQLite; come back after the retry base.
    await runAlarm(this.ctx.storage, "push", run, this.config.PUSH_RETRY_BASE_MS);
  }

  private async schedule() {
    const next = this.pending.nextDue();
    if (next !== null) await wakeBy(this.ctx.storage, next);
  }

  private async sendDue(userId: number, due: Pending[], vapid: NonNullable<ReturnType<typeof vapidKeys>>) {
    await withDb(this.config, async (db) => {
      const subs = await subscriptionsOf(db, userId);
      for (const p of due) {
        const payload = await stillWanted(db, this.env, userId, JSON.parse(p.payload) as PushPayload);
        if (!payload) {
          this.pending.dropRoom(p.room_id);
          continue;
        }
        if (p.subscription_id === ALL_DEVICES) {
          this.pending.expand(
            p,
            subs.map((s) => s.id),
          );
          continue;
        }
        const sub = subs.find((s) => s.id === p.subscription_id);
        if (!sub) {
          this.pending.drop(p);
          continue;
        }
        const topic = await conversationTopic(this.config.SECRET_KEY, `room:${p.room_id}`);
        const sent = await sendPush(vapid, sub, payload, { urgent: p.urgent === 1, topic });
        await this.settle(p, sent, () => forgetSubscription(db, sub.id));
      }
    });
  }

  private async settle(
    p: Pending,
    sent: Awaited<ReturnType<typeof sendPush>>,
    forget: () => Promise<unknown>,
  ) {
    if (sent.outcome === "retry" && p.attempt + 1 < MAX_ATTEMPTS) {
      const backoff = Math.min(RETRY_MAX_MS, this.config.PUSH_RETRY_BASE_MS * 2 ** p.attempt);
      this.pending.retryLater(p, Date.now() + Math.max(backoff, sent.retryAfterMs ?? 0));
      return;
    }
    this.pending.drop(p);
    if (sent.outcome === "gone") await forget();
    if (sent.outcome === "rejected" || sent.outcome === "retry")
      console.warn(`push: dropped after ${p.attempt + 1} attempts (last: ${sent.status})`);
  }
}
