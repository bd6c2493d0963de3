import { DurableObject } from "cloudflare:workers";
import { runAlarm, wakeBy } from "../alarms";
import { withDb } from "../db/client";
import { type Bindings, type Config, loadConfig } from "../env";
import { nextGiveUp, settleClaims } from "./claims";
import { deleteExpired, drainBlobs, nextExpiry, SWEEP_BATCH } from "./sweep";

const RETRY_MS = [1_000, 5_000, 30_000, 120_000];

/**
 * Deletes what no message holds: uploads never attached in time (and claims whose message never
 * arrived, released first: files/claims.ts), and the blobs of deleted rows
 * (queued by PostgreSQL in the same transaction as the delete, so a blob goes only after the
 * delete is durable). Its alarm is the one clock that works alike in production, `wrangler dev`,
 * plain workerd (`npm start`, which runs no cron triggers) and the tests. It keeps no state but
 * the alarm: the work list is PostgreSQL's. One object serves the whole service: it is told of
 * each upload (one cheap call per upload, far below an object's ~1000 requests a second at
 * upload sizes) and of each deletion, and sleeps when nothing is pending.
 */
export class FileSweeper extends DurableObject<Bindings> {
  private readonly config: Config;
  private failures = 0;

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    this.config = loadConfig(env);
  }

  /** Something is due at `at` (ms): sweep no later than then. */
  async expect(at: number) {
    await wakeBy(this.ctx.storage, at);
  }

  /** Blobs were queued: delete them now. */
  kick() {
    return this.expect(Date.now());
  }

  override async alarm() {
    const ttl = this.config.FILES_UNATTACHED_TTL_SECONDS;
    const run = async () => {
      const next = await withDb(this.config, async (db) => {
        // Released claims first: those already past their TTL go in this same sweep.
        const released = await settleClaims(db);
        const expired = await deleteExpired(db, ttl);
        const drained = await drainBlobs(db, this.env.FILES);
        if ([released, expired, drained].includes(SWEEP_BATCH)) return Date.now();
        const [expiry, giveUp] = [await nextExpiry(db, ttl), await nextGiveUp(db)];
        return expiry === null || giveUp === null ? (expiry ?? giveUp) : Math.min(expiry, giveUp);
      });
      this.failures = 0;
      return next;
    };
    // PostgreSQL or R2 unreachable: nothing was lost (the queue is in PostgreSQL); try later.
    const retryMs = () => RETRY_MS[Math.min(this.failures++, RETRY_MS.length - 1)] ?? 120_000;
    await runAlarm(this.ctx.storage, "files: sweep", run, retryMs);
  }
}

/** The service's one sweeper. */
export const fileSweeper = (env: Bindings) => env.FILE_SWEEPER.getByName("files");
