import { withDb } from "../../db/client";
import {
  type EventData,
  type EventRow,
  type StoredParent,
  toMessageEvent,
  toReactionEvent,
  toThreadEvent,
} from "../../domain/event-rows";
import type { Config } from "../../env";
import { AppError } from "../../errors";
import type { MessageEvent, ReactionTotal, UserRef } from "../../protocol";
import type { Roster } from "../access/roster";
import { checkReactionKey, type Reactions } from "../live/reactions";
import { deletedAmong, missingParent, previewOf, readReplies, type Threads } from "../live/threads";
import type { Publish } from "../output";
import type { Actor } from "../socket/identity";
import { findMessage } from "../timeline/postgres-reads";
import type { Timeline } from "../timeline/timeline";
import type { Claimed } from "./file-claims";
import type { UserLimits } from "./limits";
import { resolveMentions } from "./mentions";
import type { RoomWrites } from "./writes";

export type ReactionOutcome = {
  message_id: string;
  key: string;
  reacted: boolean;
  /** False when the reaction already was (PUT) or was not (DELETE): nothing was sequenced. */
  changed: boolean;
  seq: number | null;
  reactions: ReactionTotal[];
};

/** What the conversation features work with: the room's timeline, roster, write rules and live copies. */
export type ConversationParts = {
  timeline: Timeline;
  roster: Roster;
  writes: RoomWrites;
  limits: UserLimits;
  config: Config;
  out: Publish;
  reactions: Reactions;
  threads: Threads;
};

export type ThreadWindow = { limit: number; after?: number | undefined };

/**
 * Replies, mentions and reactions: what a message carries beyond its text. Each is a timeline
 * event like any other (own seq, durable before visible, copied by the outbox, replayed on
 * resume). What may need PostgreSQL (a parent older than the cache, the users an `@name` names,
 * reactions on an old message) is read first; everything from the checks to the publish then
 * runs without an await, so no other event of the room can slip in between.
 */
export class Conversation {
  private readonly timeline: Timeline;
  private readonly roster: Roster;
  private readonly writes: RoomWrites;
  private readonly limits: UserLimits;
  private readonly config: Config;
  private readonly out: Publish;
  private readonly reactions: Reactions;
  private readonly threads: Threads;

  constructor(parts: ConversationParts) {
    ({
      timeline: this.timeline,
      roster: this.roster,
      writes: this.writes,
      limits: this.limits,
      config: this.config,
      out: this.out,
      reactions: this.reactions,
      threads: this.threads,
    } = parts);
  }

  /** Whether a send needs this path (a reply, or text that may mention someone). */
  static wants(content: string, replyTo: string | null | undefined): boolean {
    return (replyTo ?? null) !== null || content.includes("@");
  }

  /**
   * A send that replies and/or mentions. A reply joins its parent's thread (a reply to a reply
   * joins the same root) and is followed at once by a `thread.updated` event for the root.
   */
  async post(
    who: Actor,
    content: string,
    clientId: string | null,
    replyTo: string | null,
    claimed?: Claimed,
  ) {
    const { user } = who;
    const parent = replyTo === null ? undefined : await this.parent(replyTo);
    if (parent) this.writes.moderation.requireVisible(parent.seq, user.id);
    const root = parent?.reply_to ? await this.writes.findTarget(parent.reply_to) : parent;
    if (root) await this.adoptThread(root);
    const mentions = await resolveMentions(this.config, this.roster, user.id, content);
    const data: EventData = {
      ...(mentions.length > 0 && { mentions }),
      ...(parent && { parent: this.quoteOf(parent) }),
    };
    const sent = this.writes.post(who, content, clientId, {
      reply_to: root?.id ?? null,
      data: Object.keys(data).length > 0 ? JSON.stringify(data) : null,
      ...(claimed && { claimed }),
    });
    if (root && !sent.duplicate) {
      // A hidden reply counts for its author only (live/threads.ts); its counter event is hidden too.
      const at = Date.parse(sent.event.created_at);
      const counters = this.threads.count(root.id, at, sent.shadow ? user.id : undefined);
      const owner = this.writes.moderation.concealment(user.id, root.seq);
      const row = this.timeline.appendAnnotation("thread", user, root.id, {
        reply_id: sent.event.id,
        reply_count: counters.reply_count,
        last_reply_at: counters.last_reply_at ?? at,
        ...(owner !== undefined && { shadow: true as const }),
      });
      this.writes.moderation.hide(row.seq, owner);
      this.out.event(toThreadEvent(this.timeline.roomId, row));
    }
    return sent;
  }

  /**
   * What a reply keeps of its parent. A parent hidden from all but its owner (who alone may reply
   * to it) stays so in the quote, for good: `only` (moderation/hidden.ts `quoteAs`).
   */
  private quoteOf(parent: EventRow): StoredParent {
    const only = this.writes.moderation.hidden.ownerOf(parent.seq);
    return { ...previewOf(parent), ...(only !== undefined && { only }) };
  }

  private async parent(messageId: string): Promise<EventRow> {
    try {
      return await this.writes.findTarget(messageId);
    } catch (err) {
      if (err instanceof AppError && err.code === "message_not_found") throw missingParent();
      throw err;
    }
  }

  /** Makes the live copy hold a root's counters, reading PostgreSQL's if it never did. */
  private async adoptThread(root: EventRow) {
    if (this.threads.local(root.id, root.seq)) return;
    const stored =
      root.reply_count === undefined
        ? await withDb(this.config, (db) => findMessage(db, this.timeline.roomId, root.id))
        : root;
    this.threads.adopt(stored ?? { ...root, reply_count: 0, last_reply_at: null });
  }

  /** Adds (`on`) or removes a reaction; saying the same twice changes nothing and says so. */
  async react(user: UserRef, messageId: string, rawKey: string, on: boolean): Promise<ReactionOutcome> {
    const key = checkReactionKey(rawKey);
    const target = await this.writes.findTarget(messageId);
    if (target.deleted_at !== null) throw new AppError("message_deleted", 409, "The message was deleted");
    this.writes.moderation.requireVisible(target.seq, user.id);
    this.writes.moderation.requireVoice(user.id);
    await this.reactions.load(this.timeline.roomId, target.id, target.seq);
    this.writes.checkBacklog();
    this.limits.take("react", user.id);
    // A shadow-banned user's reaction is hidden, and counted for them alone (live/reactions.ts).
    const owner = this.writes.moderation.concealment(user.id, target.seq);
    const hidden = owner !== undefined;
    const t = this.reactions.toggle(target.id, user.id, key, on, this.timeline.lastSeq + 1, hidden);
    if (!t.changed) {
      const seen = this.reactions.totals(target.id, user.id);
      const reactions = seen.map((x) => ({ ...x, me: t.mine.includes(x.key) }));
      return { message_id: target.id, key, reacted: on, changed: false, seq: null, reactions };
    }
    const row = this.timeline.appendAnnotation("reaction", user, target.id, {
      key,
      on,
      totals: t.totals,
      mine: t.mine,
      ...(hidden && { shadow: true as const }),
    });
    const event = toReactionEvent(this.timeline.roomId, row);
    this.writes.moderation.hide(row.seq, owner);
    this.out.event(event);
    // The actor's answer counts what they see (their own hidden reactions included).
    const mine = this.reactions.totals(target.id, user.id).map((x) => ({ ...x, me: t.mine.includes(x.key) }));
    return { message_id: target.id, key, reacted: on, changed: true, seq: row.seq, reactions: mine };
  }

  /** Replies under a root, oldest first, after a seq (cursor paging), as `viewerId` sees them. */
  async thread(rootId: string, w: ThreadWindow, viewerId: number): Promise<MessageEvent[]> {
    await this.writes.findTarget(rootId);
    const after = w.after ?? 0;
    const roomId = this.timeline.roomId;
    const cached = this.timeline.cache
      .cachedReplies(rootId, after, w.limit)
      .map((r) => toMessageEvent(roomId, r));
    let page = cached;
    if (this.timeline.oldestCached > after + 1) {
      const stored = await withDb(this.config, (db) => readReplies(db, roomId, rootId, after, w.limit));
      const bySeq = new Map<number, MessageEvent>();
      for (const r of stored) bySeq.set(r.seq, this.timeline.cache.current(toMessageEvent(roomId, r)));
      for (const e of cached) bySeq.set(e.seq, e);
      page = [...bySeq.values()].sort((a, b) => a.seq - b.seq).slice(0, w.limit);
    }
    return this.decorate(page, viewerId);
  }

  /**
   * Messages as `viewerId` sees them now: reaction totals (and their own), thread counters, and
   * whether a reply's parent has since been deleted. The live copies answer for what they hold;
   * PostgreSQL, in one query each, for older messages they never saw.
   */
  async decorate(all: MessageEvent[], viewerId: number): Promise<MessageEvent[]> {
    // A hidden message (a shadow-banned author's, a blocked one's) is left out of pages for
    // everyone but its author; a reply quoting a blocked author shows a hidden quote (moderation/hidden.ts).
    const page = this.writes.moderation.hidden.visibleTo(all, viewerId);
    if (page.length === 0) return page;
    const roomId = this.timeline.roomId;
    const reactions = await this.reactions.forPage(roomId, page, viewerId);

    const counters = await this.threads.countersFor(this.config, roomId, page, viewerId);

    const parentGone = new Set<string>();
    const ask: string[] = [];
    for (const m of page) {
      if (!m.parent || m.parent.deleted || m.parent.hidden) continue;
      const now = this.timeline.cache.currentText(m.parent.id);
      if (now === undefined) ask.push(m.parent.id);
      else if (now.content === null) parentGone.add(m.parent.id);
    }
    for (const id of await deletedAmong(this.config, roomId, [...new Set(ask)])) parentGone.add(id);

    return page.map((m) => {
      const c = counters.get(m.id);
      return {
        ...m,
        reactions: reactions.get(m.id) ?? [],
        ...(c && {
          reply_count: c.reply_count,
          last_reply_at: c.last_reply_at === null ? null : new Date(c.last_reply_at).toISOString(),
        }),
        ...(m.parent &&
          parentGone.has(m.parent.id) && { parent: { ...m.parent, excerpt: null, deleted: true } }),
      };
    });
  }
}
