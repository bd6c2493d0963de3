import { and, asc, eq, gte, inArray, isNull } from "drizzle-orm";
import { withDb } from "../../db/client";
import { messages } from "../../db/schema";
import type { EventRow } from "../../domain/event-rows";
import type { Config } from "../../env";
import type { TimelineEvent, UserRef } from "../../protocol";
import type { Timeline } from "../timeline/timeline";
import { shadowData } from "./shadow-data";

/** Where new events go (the room's publish). */
export type EventSink = { event(e: TimelineEvent): void };
/** Hides an event about a hidden message from everyone but that message's owner (moderation.ts). */
export type Concealer = {
  concealment(userId: number, targetSeq?: number): number | undefined;
  hide(seq: number, owner: number | undefined): void;
};

/**
 * Raid cleanup: every message of some users sent since a time is deleted, each by an ordinary
 * `message.deleted` event (live on every socket, replayed on resume, copied by the outbox).
 * PostgreSQL is read first for messages older than the cache; the deletes are then sequenced in
 * one synchronous block, re-checked against the cache (a message deleted meanwhile is skipped).
 */
export class Cleanup {
  constructor(
    private readonly timeline: Timeline,
    private readonly config: Config,
    private readonly publish: EventSink,
    private readonly moderation: Concealer,
  ) {}

  async run(actor: UserRef, userIds: number[], since: number, max: number) {
    const stored = await withDb(this.config, (db) =>
      db
        .select({ id: messages.id, seq: messages.seq })
        .from(messages)
        .where(
          and(
            eq(messages.roomId, this.timeline.roomId),
            eq(messages.kind, "message"),
            inArray(messages.userId, userIds),
            gte(messages.createdAt, new Date(since)),
            isNull(messages.deletedAt),
          ),
        )
        .orderBy(asc(messages.seq))
        .limit(max + 1),
    );
    const seqOf = new Map(stored.map((r) => [r.id, r.seq]));
    for (const row of this.cachedTargets(userIds, since)) seqOf.set(row.id, row.seq);
    const live = [...seqOf.keys()].filter((id) => this.timeline.cache.currentText(id)?.content !== null);
    const now = live.slice(0, max);
    for (const id of now) {
      const owner = this.moderation.concealment(actor.id, seqOf.get(id));
      const event = this.timeline.appendDelete(actor, id, shadowData(owner));
      this.moderation.hide(event.seq, owner);
      this.publish.event(event);
    }
    return { deleted: now.length, more: live.length > max };
  }

  private cachedTargets(userIds: number[], since: number): EventRow[] {
    return this.timeline
      .rowsAfter(0)
      .filter(
        (r) =>
          r.kind === "message" &&
          r.user_id !== null &&
          userIds.includes(r.user_id) &&
          r.created_at >= since &&
          r.deleted_at === null,
      );
  }
}
