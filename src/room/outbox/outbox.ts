import { eq } from "drizzle-orm";
import { type Db, withDb } from "../../db/client";
import { databaseUnavailable, errorText, pgError, refusedForData } from "../../db/errors";
import { outboxRejects, outboxStuck } from "../../db/schema";
import type { EventRow } from "../../domain/event-rows";
import type { Bindings, Config } from "../../env";
import { fileSweeper } from "../../files/sweeper";
import type { CopyBatch } from "../timeline/copy-batch";
import type { Timeline } from "../timeline/timeline";
import { copyBatch, copyReadMarkers, RoomGone } from "./copy-statements";

const BATCH = 500;
const BACKOFF_BASE_MS = 500;
const BACKOFF_MAX_MS = 30_000;
/** Consecutive failures (other than an outage) after which the room reports itself stuck. */
const STUCK_AFTER = 3;

export type FlushOutcome = "done" | "failed" | "room_gone";

/**
 * Copies the room's events and read markers from its own storage into PostgreSQL, exactly once
 * and in order. One statement per batch (a transaction when it holds edits, deletes, reactions or
 * thread counters: copy-statements.ts): the room's row is locked (no row: the room was deleted,
 * the only way "room gone" is ever decided), authors whose accounts were deleted are recorded as
 * null, one multi-row `INSERT … ON CONFLICT (room_id, seq) DO NOTHING RETURNING`, then the edits
 * and deletes among the rows actually inserted are applied to their messages (the last one per
 * message only). A batch retried after a lost acknowledgement changes nothing.
 *
 * A batch PostgreSQL refuses for a data reason is split until the offending event is found; it
 * is kept in `outbox_rejects` with the error, logged, and the rest lands: one event can never
 * wedge the room. At most one flush runs at a time per room.
 */
export class Outbox {
  private running: Promise<FlushOutcome> | null = null;
  /** Users the copied messages mention, since the courier was last told (`takeMentioned`). */
  private mentioned = new Set<number>();
  private failures = 0;
  private reportedStuck = false;

  constructor(
    private readonly timeline: Timeline,
    private readonly config: Config,
    /** For the file sweeper, told when a copied delete queued its message's files. */
    private readonly env: Bindings,
    /** Between two batches of one copy (the courier hears of a long copy as it goes: courier-notice.ts). */
    private readonly between: () => Promise<void> = async () => {},
  ) {}

  /** Starts a flush unless one is in flight; resolves when the backlog is empty or a write failed. */
  flush(): Promise<FlushOutcome> {
    this.running ??= this.drain().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** Told in the turn each copied batch is recorded locally (`Timeline.markFlushed`): its commit. */
  whenFlushed(listener: () => void) {
    this.timeline.whenFlushed(listener);
  }

  /** Who the messages copied since the last call mention (the courier's notice). */
  takeMentioned(): number[] {
    const taken = [...this.mentioned];
    this.mentioned.clear();
    return taken;
  }

  /** Delay before the next retry, doubling with consecutive failures. */
  get retryDelayMs(): number {
    return Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, this.failures - 1));
  }

  /** The last copy failed and events wait: PostgreSQL is not taking this room's backlog (GET /health). */
  get failing(): boolean {
    return this.failures > 0 && this.backlog > 0;
  }

  get backlog(): number {
    return this.timeline.lastSeq - this.timeline.flushedSeq + this.timeline.markers.pending;
  }

  private async drain(): Promise<FlushOutcome> {
    const roomId = this.timeline.roomId;
    try {
      await withDb(this.config, async (db) => {
        let batch = this.timeline.unflushed(BATCH);
        while (batch) {
          await this.copyIsolating(db, roomId, batch);
          batch = this.timeline.unflushed(BATCH);
          // More arrived meanwhile: in a busy room this loop lasts as long as the burst.
          if (batch) await this.between();
        }
        const markers = this.timeline.markers.toCopy();
        if (markers.length > 0) {
          await copyReadMarkers(db, roomId, markers);
          this.timeline.markers.copied(markers);
        }
        if (this.reportedStuck) {
          await db.delete(outboxStuck).where(eq(outboxStuck.roomId, roomId));
          this.reportedStuck = false;
        }
      });
      this.failures = 0;
      return "done";
    } catch (err) {
      if (err instanceof RoomGone) return "room_gone";
      this.failures++;
      console.warn(
        `outbox: room ${roomId}: copy failed (attempt ${this.failures}), backlog ${this.backlog}`,
        err,
      );
      if (this.failures >= STUCK_AFTER && !databaseUnavailable(err)) await this.reportStuck(err);
      return "failed";
    }
  }

  /** Copies a batch; a data refusal splits it until the offender is isolated and set aside. */
  private async copyIsolating(db: Db, roomId: number, batch: CopyBatch): Promise<void> {
    try {
      // Authors whose accounts are gone are recorded as null; the cache forgets them too.
      const { goneAuthors, filesQueued } = await copyBatch(db, roomId, batch);
      for (const userId of goneAuthors) this.timeline.forgetAuthor(userId);
      // The deletes are durable now: their files' blobs may go.
      if (filesQueued) await fileSweeper(this.env).kick();
    } catch (err) {
      if (!refusedForData(err)) throw err;
      if (batch.size === 1) {
        const [only] = this.timeline.rowsAfter(batch.first - 1, 1);
        return only ? this.setAside(db, roomId, only, err) : undefined;
      }
      const head = this.timeline.unflushed(Math.ceil(batch.size / 2), batch.first - 1, batch.last);
      const tail = head && this.timeline.unflushed(batch.size, head.last, batch.last);
      for (const half of [head, tail]) if (half) await this.copyIsolating(db, roomId, half);
      return;
    }
    for (const id of batch.mentions) this.mentioned.add(id);
    this.timeline.markFlushed(batch.last, this.config.ROOM_CACHE_EVENTS);
  }

  private async setAside(db: Db, roomId: number, event: EventRow, err: unknown) {
    const message = errorText(err);
    console.error(
      `outbox: room ${roomId}: event seq ${event.seq} refused by PostgreSQL and set aside: ${message}`,
    );
    const payload = btoa(String.fromCharCode(...new TextEncoder().encode(JSON.stringify(event))));
    await db
      .insert(outboxRejects)
      .values({
        roomId,
        seq: event.seq,
        eventId: event.id,
        payload,
        errorCode: pgError(err)?.code ?? null,
        errorMessage: message,
      })
      .onConflictDoNothing();
    this.timeline.markFlushed(event.seq, this.config.ROOM_CACHE_EVENTS);
  }

  private async reportStuck(err: unknown) {
    const lastError = errorText(err).slice(0, 1000);
    const roomId = this.timeline.roomId;
    const row = { roomId, failures: this.failures, backlog: this.backlog, lastError, updatedAt: new Date() };
    try {
      await withDb(this.config, (db) =>
        db.insert(outboxStuck).values(row).onConflictDoUpdate({ target: outboxStuck.roomId, set: row }),
      );
      this.reportedStuck = true;
    } catch (reportErr) {
      console.error(`outbox: room ${roomId} is stuck and could not say so`, reportErr);
    }
  }
}
