import { and, eq, or, sql } from "drizzle-orm";
import { openDb, pgError } from "../db/client";
import { messages } from "../db/schema";
import type { Config } from "../env";
import type { EventRow, Timeline } from "./timeline";

const BATCH = 500;
const BACKOFF_BASE_MS = 500;
const BACKOFF_MAX_MS = 30_000;

export type FlushOutcome = "done" | "failed" | "room_gone";

/**
 * Copies the room's events from its own storage into PostgreSQL, exactly once and in order.
 * One transaction per batch: a multi-row `INSERT … ON CONFLICT (room_id, seq) DO NOTHING
 * RETURNING`, then the edits and deletes among the rows it actually inserted are applied to
 * their messages. A batch retried after a lost acknowledgement inserts and applies nothing twice.
 * At most one flush runs at a time per room; arrivals during a flush are taken by its next loop.
 */
export class Outbox {
  private running: Promise<FlushOutcome> | null = null;
  private failures = 0;

  constructor(
    private readonly timeline: Timeline,
    private readonly config: Config,
  ) {}

  /** Starts a flush unless one is in flight; resolves when the backlog is empty or a write failed. */
  flush(): Promise<FlushOutcome> {
    this.running ??= this.drain().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** Delay before the next retry, doubling with consecutive failures. */
  get retryDelayMs(): number {
    return Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, this.failures - 1));
  }

  get backlog(): number {
    return this.timeline.lastSeq - this.timeline.flushedSeq;
  }

  private async drain(): Promise<FlushOutcome> {
    let conn: ReturnType<typeof openDb> | null = null;
    try {
      for (
        let batch = this.timeline.unflushed(BATCH);
        batch.length > 0;
        batch = this.timeline.unflushed(BATCH)
      ) {
        conn ??= openDb(this.config);
        await copyBatch(conn.db, this.timeline.roomId, batch);
        const last = batch.at(-1);
        if (last) this.timeline.markFlushed(last.seq, this.config.ROOM_CACHE_EVENTS);
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
      if (conn) await conn.close().catch(() => {});
    }
  }
}

async function copyBatch(db: ReturnType<typeof openDb>["db"], roomId: number, batch: EventRow[]) {
  await db.transaction(async (tx) => {
    const inserted = await tx
      .insert(messages)
      .values(
        batch.map((e) => ({
          id: e.id,
          roomId,
          seq: e.seq,
          kind: e.kind,
          targetId: e.target_id,
          userId: e.user_id,
          content: e.content,
          clientId: e.client_id,
          createdAt: new Date(e.created_at),
          editedAt: e.edited_at === null ? null : new Date(e.edited_at),
          deletedAt: e.deleted_at === null ? null : new Date(e.deleted_at),
        })),
      )
      .onConflictDoNothing({ target: [messages.roomId, messages.seq] })
      .returning({ id: messages.id });
    const fresh = new Set(inserted.map((r) => r.id));
    for (const e of batch) {
      if (!fresh.has(e.id) || e.kind === "message" || !e.target_id) continue;
      // The message and its earlier edit events take the new state, so no old text survives.
      const ofMessage = and(
        eq(messages.roomId, roomId),
        or(eq(messages.id, e.target_id), and(eq(messages.targetId, e.target_id), eq(messages.kind, "edit"))),
      );
      const at = new Date(e.created_at);
      if (e.kind === "edit") {
        await tx.update(messages).set({ content: e.content, editedAt: at }).where(ofMessage);
      } else {
        await tx
          .update(messages)
          .set({ content: null, deletedAt: sql`coalesce(${messages.deletedAt}, ${at})` })
          .where(ofMessage);
      }
    }
  });
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
