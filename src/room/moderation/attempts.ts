import { eq } from "drizzle-orm";
import { withDb } from "../../db/client";
import { moderationAudit } from "../../db/moderation-schema";
import type { Config } from "../../env";

/** Blocked attempts of one user in one room are audited as one entry per window. */
export const BLOCKED_WINDOW_MS = 10 * 60_000;

const SCHEMA = `CREATE TABLE IF NOT EXISTS blocked_attempts (
  user_id INTEGER NOT NULL, window_start INTEGER NOT NULL, attempts INTEGER NOT NULL,
  filters TEXT NOT NULL, last_at INTEGER NOT NULL, audit_id INTEGER, dirty INTEGER NOT NULL,
  PRIMARY KEY (user_id, window_start))`;

type Row = {
  user_id: number;
  window_start: number;
  attempts: number;
  filters: string;
  last_at: number;
  audit_id: number | null;
};

/**
 * Sends and edits a `block` filter refused, for the audit log, without one row per spam attempt:
 * the room counts them in its storage per user per window (opened by a user's first attempt,
 * `BLOCKED_WINDOW_MS` long), and keeps one
 * `filter.block` audit entry per user and window up to date (inserted at the first attempt,
 * its count updated after). At most one write to PostgreSQL is in flight per room; what it
 * could not write stays marked and goes with the next attempt or the room's next alarm.
 */
export class BlockedAttempts {
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly sql: SqlStorage,
    private readonly config: Config,
  ) {
    this.load();
  }

  load() {
    this.sql.exec(SCHEMA);
  }

  /** A refused send or edit by `userId` (filter `filterId`); the audit entry follows shortly. */
  record(roomId: number, userId: number, filterId: number) {
    const now = Date.now();
    // A window opens at a user's first attempt and lasts BLOCKED_WINDOW_MS.
    const row = this.sql
      .exec<{ window_start: number; filters: string }>(
        "SELECT window_start, filters FROM blocked_attempts WHERE user_id = ? AND window_start > ? ORDER BY window_start DESC LIMIT 1",
        userId,
        now - BLOCKED_WINDOW_MS,
      )
      .toArray()[0];
    const window = row?.window_start ?? now;
    const filters = [...new Set([...(row ? (JSON.parse(row.filters) as number[]) : []), filterId])];
    this.sql.exec(
      `INSERT INTO blocked_attempts (user_id, window_start, attempts, filters, last_at, dirty)
       VALUES (?, ?, 1, ?, ?, 1) ON CONFLICT (user_id, window_start) DO UPDATE SET
       attempts = attempts + 1, filters = excluded.filters, last_at = excluded.last_at, dirty = 1`,
      userId,
      window,
      JSON.stringify(filters.slice(0, 20)),
      now,
    );
    void this.flush(roomId);
  }

  /** Writes the changed counts to the audit log (one flush at a time; a failure is retried later). */
  flush(roomId: number): Promise<void> {
    this.flushing ??= this.write(roomId)
      .catch((err) => console.warn("moderation: blocked attempts not audited yet", err))
      .finally(() => {
        this.flushing = null;
      });
    return this.flushing;
  }

  private async write(roomId: number) {
    for (let round = 0; round < 5; round++) {
      const dirty = this.sql.exec<Row>("SELECT * FROM blocked_attempts WHERE dirty = 1 LIMIT 50").toArray();
      if (dirty.length === 0) break;
      // Cleared before the write: an attempt during it marks its row again, for the next round.
      for (const r of dirty) this.sql.exec(SET_DIRTY, 0, r.user_id, r.window_start);
      try {
        await withDb(this.config, async (db) => {
          for (const r of dirty)
            this.sql.exec(SET_AUDIT, await upsert(db, roomId, r), r.user_id, r.window_start);
        });
      } catch (err) {
        for (const r of dirty) this.sql.exec(SET_DIRTY, 1, r.user_id, r.window_start);
        throw err;
      }
    }
    const old = Date.now() - 2 * BLOCKED_WINDOW_MS;
    this.sql.exec("DELETE FROM blocked_attempts WHERE dirty = 0 AND window_start < ?", old);
  }
}

const SET_DIRTY = "UPDATE blocked_attempts SET dirty = ? WHERE user_id = ? AND window_start = ?";
const SET_AUDIT = "UPDATE blocked_attempts SET audit_id = ? WHERE user_id = ? AND window_start = ?";

type Db = Parameters<Parameters<typeof withDb>[1]>[0];

/** The window's audit entry: inserted the first time, its details replaced after. */
async function upsert(db: Db, roomId: number, r: Row): Promise<number> {
  const details = {
    attempts: r.attempts,
    filters: JSON.parse(r.filters) as number[],
    window_start: new Date(r.window_start).toISOString(),
    last_at: new Date(r.last_at).toISOString(),
  };
  if (r.audit_id !== null) {
    await db.update(moderationAudit).set({ details }).where(eq(moderationAudit.id, r.audit_id));
    return r.audit_id;
  }
  const [row] = await db
    .insert(moderationAudit)
    .values({ roomId, actorId: null, action: "filter.block", targetUserId: r.user_id, details })
    .returning({ id: moderationAudit.id });
  return row?.id ?? 0;
}
