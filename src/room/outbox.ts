import { and, eq, inArray, sql } from "drizzle-orm";
import { type Db, withDb } from "../db/client";
import { databaseUnavailable, errorText, pgError, refusedForData } from "../db/errors";
import { messages, outboxRejects, outboxStuck, roomMembers, rooms, users } from "../db/schema";
import type { Config } from "../env";
import type { EventRow } from "./events";
import type { ReadMarker, Timeline } from "./timeline";

const BATCH = 500;
const BACKOFF_BASE_MS = 500;
const BACKOFF_MAX_MS = 30_000;
/** Consecutive failures (other than an outage) after which the room reports itself stuck. */
const STUCK_AFTER = 3;

export type FlushOutcome = "done" | "failed" | "room_gone";

class RoomGone extends Error {}

/**
 * Copies the room's events and read markers from its own storage into PostgreSQL, exactly once
 * and in order. One transaction per batch: the room's row is locked first (no row: the room was
 * deleted, the only way "room gone" is ever decided), authors whose accounts were deleted are
 * recorded as null, then one multi-row `INSERT … ON CONFLICT (room_id, seq) DO NOTHING RETURNING`,
 * then the edits and deletes among the rows actually inserted are applied to their messages
 * (the last one per message only). A batch retried after a lost acknowledgement changes nothing.
 *
 * A batch PostgreSQL refuses for a data reason is split until the offending event is found; it
 * is kept in `outbox_rejects` with the error, logged, and the rest lands: one event can never
 * wedge the room. At most one flush runs at a time per room.
 */
export class Outbox {
  private running: Promise<FlushOutcome> | null = null;
  private failures = 0;
  private reportedStuck = false;

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
    return this.timeline.lastSeq - this.timeline.flushedSeq + this.timeline.markersPending;
  }

  private async drain(): Promise<FlushOutcome> {
    const roomId = this.timeline.roomId;
    try {
      await withDb(this.config, async (db) => {
        for (
          let batch = this.timeline.unflushed(BATCH);
          batch.length > 0;
          batch = this.timeline.unflushed(BATCH)
        ) {
          await this.copyIsolating(db, roomId, batch);
        }
        const markers = this.timeline.markersToCopy();
        if (markers.length > 0) {
          await copyReadMarkers(db, roomId, markers);
          this.timeline.markersCopied(markers);
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
  private async copyIsolating(db: Db, roomId: number, batch: EventRow[]): Promise<void> {
    try {
      // Authors whose accounts are gone are recorded as null; the cache forgets them too.
      for (const userId of await copyBatch(db, roomId, batch)) this.timeline.forgetAuthor(userId);
    } catch (err) {
      if (!refusedForData(err)) throw err;
      if (batch.length === 1 && batch[0]) return this.setAside(db, roomId, batch[0], err);
      const half = Math.ceil(batch.length / 2);
      await this.copyIsolating(db, roomId, batch.slice(0, half));
      await this.copyIsolating(db, roomId, batch.slice(half));
      return;
    }
    const last = batch.at(-1);
    if (last) this.timeline.markFlushed(last.seq, this.config.ROOM_CACHE_EVENTS);
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

/** Copies one batch in one transaction; returns the authors whose accounts no longer exist. */
async function copyBatch(db: Db, roomId: number, batch: EventRow[]): Promise<number[]> {
  return db.transaction(async (tx) => {
    // Locks keep the room and the authors from being deleted until this batch is in.
    const room = await tx.select({ id: rooms.id }).from(rooms).where(eq(rooms.id, roomId)).for("key share");
    if (room.length === 0) throw new RoomGone();
    const authorIds = [
      ...new Set(batch.map((e) => e.user_id).filter((id): id is number => id !== null && id > 0)),
    ];
    const authors = new Set(
      (
        await tx.select({ id: users.id }).from(users).where(inArray(users.id, authorIds)).for("key share")
      ).map((u) => u.id),
    );
    const inserted = await tx
      .insert(messages)
      .values(
        batch.map((e) => ({
          id: e.id,
          roomId,
          seq: e.seq,
          kind: e.kind,
          targetId: e.target_id,
          userId: e.user_id !== null && authors.has(e.user_id) ? e.user_id : null,
          // An edit row keeps no text: the message row holds the current text.
          content: e.kind === "edit" ? null : e.content,
          clientId: e.client_id,
          createdAt: new Date(e.created_at),
          editedAt: e.edited_at === null ? null : new Date(e.edited_at),
          deletedAt: e.deleted_at === null ? null : new Date(e.deleted_at),
        })),
      )
      .onConflictDoNothing({ target: [messages.roomId, messages.seq] })
      .returning({ id: messages.id });
    const fresh = new Set(inserted.map((r) => r.id));
    for (const change of lastChangePerMessage(batch.filter((e) => fresh.has(e.id)))) {
      const target = and(eq(messages.roomId, roomId), eq(messages.id, change.target_id ?? ""));
      const at = new Date(change.created_at);
      if (change.kind === "edit") {
        await tx.update(messages).set({ content: change.content, editedAt: at }).where(target);
      } else {
        await tx
          .update(messages)
          .set({ content: null, deletedAt: sql`coalesce(${messages.deletedAt}, ${at})` })
          .where(target);
      }
    }
    return authorIds.filter((id) => !authors.has(id));
  });
}

/** Of the edits and deletes in a batch, the one that decides each message's state: the last (a delete wins). */
function lastChangePerMessage(rows: EventRow[]): EventRow[] {
  const last = new Map<string, EventRow>();
  for (const e of rows) {
    if (e.kind === "message" || !e.target_id) continue;
    if (last.get(e.target_id)?.kind !== "delete") last.set(e.target_id, e);
  }
  return [...last.values()];
}

/** Read markers only move forward: `greatest` makes the copy idempotent and order-free. */
export async function copyReadMarkers(db: Db, roomId: number, markers: ReadMarker[]) {
  const values = sql.join(
    markers.map((m) => sql`(${m.user_id}::int, ${m.seq}::bigint)`),
    sql`, `,
  );
  await db.execute(sql`
    update ${roomMembers} set last_read_seq = greatest(${roomMembers.lastReadSeq}, v.seq)
    from (values ${values}) as v(user_id, seq)
    where ${roomMembers.roomId} = ${roomId} and ${roomMembers.userId} = v.user_id`);
}

/** PostgreSQL's last seq for a room: where a fresh timeline continues from. */
export async function lastSeqInPostgres(config: Config, roomId: number): Promise<number> {
  return withDb(config, async (db) => {
    const rows = await db.execute<{ seq: string | number | null }>(
      sql`select max(seq) as seq from ${messages} where room_id = ${roomId}`,
    );
    return Number(rows.rows[0]?.seq ?? 0);
  });
}
