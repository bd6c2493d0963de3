import { withDb } from "../../db/client";
import { isModerator } from "../../domain/access-rules";
import { type EventData, type EventRow, toMessageEvent } from "../../domain/event-rows";
import type { Config } from "../../env";
import { AppError, forbidden } from "../../errors";
import type { DeleteEvent, EditEvent, MessageEvent, UserRef } from "../../protocol";
import { type RoomModeration, shadowData, withModeration } from "../moderation/moderation";
import type { Publish } from "../output";
import type { Actor } from "../socket/identity";
import { findMessage } from "../timeline/postgres-reads";
import type { Timeline } from "../timeline/timeline";
import type { Claimed } from "./file-claims";
import type { UserLimits } from "./limits";

/** A change to an existing message: the timeline event and the message as it now stands. */
export type Changed<E> = { event: E; message: MessageEvent };

/** A send's outcome; `modified`: a filter masked the text, and the event carries what was stored. */
export type Sent = { event: MessageEvent; duplicate: boolean; modified?: true; shadow?: boolean };

/**
 * Why a message's content is refused. Shared by REST and WebSocket (both reach the room). A
 * message that carries files may have no text.
 */
export function checkContent(content: string, maxChars: number, withFiles = false) {
  if (content.trim().length === 0 && !withFiles) throw new AppError("empty_message", 422, "Message is empty");
  if (content.length > maxChars) {
    throw new AppError("message_too_long", 422, `Message is longer than ${maxChars} characters`);
  }
}

/** The event row's extra fields with the claimed files in its data, under the id they were claimed for. */
function withAttachments(extra: Pick<EventRow, "reply_to" | "data">, claimed: Claimed) {
  const data = extra.data ? (JSON.parse(extra.data) as EventData) : {};
  return { ...extra, id: claimed.id, data: JSON.stringify({ ...data, attachments: claimed.attachments }) };
}

/**
 * The rules of the room's timeline, the same for sockets and REST: who may write what, how
 * often, and what each write becomes. Synchronous from the checks to the output (apart from
 * reading a message older than the cache), so no other event is sequenced in between.
 */
export class RoomWrites {
  constructor(
    private readonly timeline: Timeline,
    private readonly limits: UserLimits,
    private readonly config: Config,
    private readonly out: Publish,
    readonly moderation: RoomModeration,
  ) {}

  /**
   * While PostgreSQL is down the backlog lives in the room's storage; past
   * `ROOM_BACKLOG_MAX_EVENTS` events not yet copied, writes are refused (503 `backlog_full`, an
   * error frame on sockets) instead of growing it without bound. Retries succeed once the copy
   * catches up. Reactions and thread counters count as events too (see Conversation).
   */
  checkBacklog() {
    const waiting = this.timeline.lastSeq - this.timeline.flushedSeq;
    if (waiting >= this.config.ROOM_BACKLOG_MAX_EVENTS) {
      throw Object.assign(
        new AppError(
          "backlog_full",
          503,
          "The room cannot take more until its copy to the database catches up",
        ),
        { retryAfterMs: 5000 },
      );
    }
  }

  /**
   * Sequence, store, publish. A retried `client_id` answers the first message and costs nothing.
   * The moderation rules run before anything is sequenced (mute, slow mode, filters): a refusal
   * stores nothing; a masked text is what is stored, broadcast and acked, and the ack says so.
   */
  post(
    who: Actor,
    content: string,
    clientId: string | null,
    extra?: Pick<EventRow, "reply_to" | "data"> & { claimed?: Claimed },
    /** A socket send: written with the others of this turn (see `Timeline.commit`). */
    defer = false,
  ): Sent {
    const { user } = who;
    const prior = this.prior(user.id, clientId);
    if (prior) return { event: prior, duplicate: true };
    this.moderation.blocks.checkDirectPost(user.id);
    const claimed = extra?.claimed;
    checkContent(content, this.config.MESSAGE_MAX_CHARS, claimed !== undefined);
    this.checkBacklog();
    const admitted = this.moderation.admitSend(who, content);
    this.limits.take("write", user.id);
    const fields = { reply_to: extra?.reply_to ?? null, data: withModeration(extra?.data ?? null, admitted) };
    const row = claimed ? withAttachments(fields, claimed) : fields;
    const event = this.timeline.appendMessage(user, admitted.content, clientId, row, defer);
    this.moderation.hide(event.seq, admitted.shadow ? user.id : undefined);
    this.moderation.rules.sent(user.id);
    this.out.event(event);
    const modified = admitted.masked.length > 0 ? { modified: true as const } : {};
    return { event, duplicate: false, shadow: admitted.shadow, ...modified };
  }

  /** The message a retried `client_id` of this user already produced, if any. */
  prior(userId: number, clientId: string | null): MessageEvent | null {
    return clientId === null ? null : (this.timeline.byClientId(userId, clientId) ?? null);
  }

  /** Refuses unless the message exists and is not deleted (a download of its files asks). */
  async requireLive(messageId: string): Promise<void> {
    const m = await this.findTarget(messageId);
    if (m.deleted_at !== null) throw new AppError("file_not_found", 404, "No such file");
  }

  /** Only the author edits; a deleted message cannot be edited. */
  async edit(actor: Actor, messageId: string, sent: string): Promise<Changed<EditEvent>> {
    checkContent(sent, this.config.MESSAGE_MAX_CHARS);
    await this.moderation.fresh();
    const target = await this.findTarget(messageId);
    if (target.user_id !== actor.user.id)
      throw new AppError("not_author", 403, "Only the author can edit a message");
    if (target.deleted_at !== null) throw new AppError("message_deleted", 409, "The message was deleted");
    const admitted = this.moderation.admitEdit(actor, sent);
    const { content } = admitted;
    this.limits.take("write", actor.user.id);
    this.checkBacklog();
    // A flagged or masked edit carries its filters like a send: the copy queues the report.
    const owner = this.moderation.concealment(actor.user.id, target.seq);
    const data = withModeration(null, { ...admitted, shadow: owner !== undefined });
    const event = this.timeline.appendEdit(actor.user, messageId, content, data);
    this.moderation.hide(event.seq, owner);
    this.out.event(event);
    const message: MessageEvent = { ...this.asMessage(target, actor), content, edited_at: event.edited_at };
    return { event, message };
  }

  /** The author, the room's admins and global admins delete. */
  async remove(actor: Actor, messageId: string): Promise<Changed<DeleteEvent>> {
    const target = await this.findTarget(messageId);
    if (target.user_id !== actor.user.id && !isModerator(actor)) {
      throw forbidden("Only the author or a room admin can delete a message");
    }
    if (target.deleted_at !== null)
      throw new AppError("message_deleted", 409, "The message was already deleted");
    if (!isModerator(actor)) this.moderation.requireVoice(actor.user.id);
    this.limits.take("write", actor.user.id);
    this.checkBacklog();
    const owner = this.moderation.concealment(actor.user.id, target.seq);
    const event = this.timeline.appendDelete(actor.user, messageId, shadowData(owner));
    this.moderation.hide(event.seq, owner);
    this.out.event(event);
    const message: MessageEvent = {
      ...this.asMessage(target, actor),
      content: null,
      deleted: true,
      attachments: [],
    };
    return { event, message };
  }

  /** Moves a user's read marker forward, clamped to the last seq (a marker from the future would hide messages). */
  markRead(user: UserRef, seq: number): number {
    this.limits.take("read", user.id);
    const upTo = this.timeline.markers.advance(user.id, Math.min(seq, this.timeline.lastSeq));
    this.out.readMarker(user.id, upTo);
    return upTo;
  }

  /** The message as `actor`'s answer shows it (its quote as they may see it: moderation/hidden.ts). */
  private asMessage(row: EventRow, actor: Actor): MessageEvent {
    return this.moderation.hidden.quotedFor(toMessageEvent(this.timeline.roomId, row), actor.user.id);
  }

  /** The message as it stands now, from the cache or else PostgreSQL. */
  async findTarget(messageId: string): Promise<EventRow> {
    const cached = this.timeline.cachedMessage(messageId);
    if (cached) return cached;
    const stored = await withDb(this.config, (db) => findMessage(db, this.timeline.roomId, messageId));
    // Re-read after the await: an edit or delete may have been sequenced meanwhile.
    const row = this.timeline.cachedMessage(messageId) ?? stored;
    if (!row) throw new AppError("message_not_found", 404, "No such message in this room");
    const current = this.timeline.cache.currentText(messageId);
    if (current && current.content === null && row.deleted_at === null)
      return { ...row, deleted_at: Date.now() };
    return row;
  }
}
