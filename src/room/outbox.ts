import { sql } from "drizzle-orm";
import { openDb, pgError } from "../db/client";
import { messages } from "../db/schema";
import type { Config } from "../env";
import type { Timeline } from "./timeline";

const BATCH = 500;
const BACKOFF_BASE_MS = 500;
const BACKOFF_MAX_MS = 30_000;

export type FlushOutcome = "done" | "failed" | "room_gone";

/**
 * Copies the room's events from its own storage into PostgreSQL, exactly once and in order:
 * one multi-row `INSERT … ON CONFLICT (room_id, seq) DO NOTHING` per batch, so a batch that
 * is retried after a lost acknowledgement inserts nothing twice. At most one flush runs at a
 * time per room; arrivals during a flush are picked up by its next loop.
 */
export class Outbox {
  private running: Promise<FlushOutcome> | null = null;
  private failures = 0;

  constructor(
    private readonly timeline: Timeline,
    private readonly config: Config,
    private readonly cacheSize: number,
  ) {}

  /** Starts a flush unless one is in flight; resolves when the backlog is empty or a write failed. */
  flush(): Promise<FlushOutcome> {
    this.running ??= this.drain().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** Delay before the next retry, growing with consecutive failures. */
  get retryDelayMs(): number {
    return Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, this.failures - 1));
  }

  get backlog(): number {
    return this.timeline.lastSeq - this.timeline.flushedSeq;
  }

  private async drain(): Promise<FlushOutcome> {
    let db: ReturnType<typeof openDb> | null = null;
    try {
      for (
        let batch = this.timeline.unflushed(BATCH);
        batch.length > 0;
        batch = this.timeline.unflushed(BATCH)
      ) {
        db ??= openDb(this.config);
        const roomId = this.timeline.roomId;
        await db.db
          .insert(messages)
          .values(
            batch.map((e) => ({
              id: e.id,
              roomId,
              seq: e.seq,
              userId: e.user_id,
              content: e.content,
              clientId: e.client_id,
              createdAt: new Date(e.created_at),
            })),
          )
          .onConflictDoNothing({ target: [messages.roomId, messages.seq] });
        const last = batch.at(-1);
        if (last) this.timeline.markFlushed(last.seq, this.cacheSize);
      }
      this.failures = 0;
      return "done";
    } catch (err) {
      // foreign_key_violation: the room row is gone (deleted while events were in flight).
      if (pgError(err)?.code === "23503") return "room_gone";
      this.failures++;
      console.warn(
        `outbox: PostgreSQL write failed (attempt ${this.failures}), backlog ${this.backlog}`,
        err,
      );
      return "failed";
    } finally {
      if (db) await db.close().catch(() => {});
    }
  }
}

/** PostgreSQL's last seq for a room: where a fresh timeline continues from. */
export async function lastSeqInPostgres(config: Config, roomId: number): Promise<number> {
  const { db, close } = openDb(config);
  try {
    const rows = await db.execute<{ seq: string | number | null }>(
      sql`select max(seq) as seq from ${messages} where room_id = ${roomId}`,
    );
    return Number(rows.rows[0]?.seq ?? 0);
  } finally {
    await close();
  }
}
