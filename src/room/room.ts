import type { RoomRow } from "../db/schema";
import type { Membership } from "../domain/access-rules";
import { CloseCode } from "../protocol";
import type { Reader } from "./access/account-copies";
import type { ModerationCall } from "./moderation/moderation";
import { RoomParts } from "./parts";
import { replyOf } from "./rpc-envelope";
import { connect } from "./socket/connect";
import { depart } from "./socket/departure";
import { dispatch } from "./socket/dispatch";
import { attachmentOf, ofSessions, type SocketUser, userTag, writeAttachment } from "./socket/identity";
import { blockSeen } from "./socket/presence";
import { type Decorate, historyBody, historyBodyFor, historyPage } from "./timeline/history";
import type { HistoryWindow } from "./timeline/postgres-reads";
import type { ThreadWindow } from "./writes/conversation";
import type { SendRequest } from "./writes/sends";

/**
 * One room: the single writer of its timeline. Every message, edit and delete, from a socket or
 * from REST, is sequenced and written to this object's SQLite storage, then acknowledged and
 * broadcast, then copied to PostgreSQL by the outbox. Sockets use the hibernation API, so an idle
 * room costs nothing and wakes with everything it needs (identity in attachments, counters in
 * storage). This file holds only the object's edges: each one parses, makes one call, answers;
 * the parts they call are built and wired in `parts.ts`.
 */
export class Room extends RoomParts {
  /** A WebSocket upgrade the worker forwarded (see `connect.ts`). */
  override fetch(request: Request): Promise<Response> {
    const { ctx, timeline, config, door, out, admission, replays } = this;
    const { hidden } = this.moderation;
    const connected = connect({ ctx, timeline, config, door, out, admission, replays, hidden }, request);
    return connected.finally(() => this.gauges.changed());
  }

  override webSocketMessage(ws: WebSocket, data: string | ArrayBuffer) {
    return dispatch({ handlers: this.w.onFrame, out: this.out }, ws, data, this.config.WS_MAX_FRAME_BYTES);
  }

  override webSocketClose(ws: WebSocket, code: number, reason: string) {
    return this.depart(ws, code, reason);
  }

  /** A socket that failed without a clean close still leaves presence and frees its slot. */
  override webSocketError(ws: WebSocket, error: unknown) {
    console.warn("room: socket error", error);
    return this.depart(ws, null, "socket error");
  }

  private depart(ws: WebSocket, code: number | null, reason: string) {
    const { ctx, out, admission } = this;
    const { roomId } = this.timeline;
    const parts = { ctx, out, admission, roomId, hidden: this.moderation.hidden, seen: this.seen };
    const released = depart(parts, ws, code, reason);
    this.gauges.changed();
    return released;
  }

  /** How many sockets of a user this room holds (their inbox reconciles its count across rooms). */
  openSocketsOf(userId: number) {
    return this.ctx.getWebSockets(userTag(userId)).length;
  }

  /** The room's row, if the reader may see it (a reading route's account check made here). */
  describe(roomId: number, reader: Reader) {
    return replyOf(() =>
      this.accounts.read(roomId, reader, async (who) => (await this.door.reader(roomId, who)).room),
    );
  }

  /** A history page as `who` sees it, as values (the worker's room list reads a message of it). */
  history(roomId: number, who: SocketUser, w: HistoryWindow) {
    return replyOf(() => this.page(roomId, who, w));
  }

  /** The same page as REST's response body, serialized here (`timeline/history.ts`). */
  historyBody(roomId: number, reader: Reader, w: HistoryWindow) {
    return replyOf(() =>
      this.accounts.read(roomId, reader, async (who) => {
        await this.door.reader(roomId, who);
        const decorate: Decorate = (page, viewerId) => this.w.conversation.decorate(page, viewerId);
        return historyBodyFor(this.timeline, this.config, decorate, who.user.id, w);
      }),
    );
  }

  private async page(roomId: number, who: SocketUser, w: HistoryWindow) {
    await this.door.reader(roomId, who);
    return this.w.conversation.decorate(await historyPage(this.timeline, this.config, w), who.user.id);
  }

  sendMessage(roomId: number, who: SocketUser, send: SendRequest) {
    return replyOf(async () => {
      const { role } = await this.door.writer(roomId, who);
      const sent = await this.w.sends.post({ ...who, role }, send);
      // A retried client_id may have found a socket send still pending (not written until its
      // turn's flush): write it now, so this reply, held for the commit, is never ahead of it.
      this.timeline.commit();
      return sent;
    });
  }

  /** A download's check: may read the room now, and the message holding the file is not deleted. */
  attachmentReadable(roomId: number, who: SocketUser, messageId: string) {
    return replyOf(() => this.door.reader(roomId, who).then(() => this.w.writes.requireLive(messageId)));
  }

  /** Replies under a message, oldest first (readers of the room), serialized here like a history page. */
  threadBody(roomId: number, reader: Reader, messageId: string, w: ThreadWindow) {
    return replyOf(() =>
      this.accounts.read(roomId, reader, async (who) => {
        await this.door.reader(roomId, who);
        return historyBody(await this.w.conversation.thread(messageId, w, who.user.id));
      }),
    );
  }

  /** Adds or removes the caller's reaction: a write, like a send (a public room's reader joins). */
  react(roomId: number, who: SocketUser, messageId: string, key: string, on: boolean) {
    return replyOf(async () => {
      await this.door.writer(roomId, who, on);
      return this.w.conversation.react(who.user, messageId, key, on);
    });
  }

  editMessage(roomId: number, who: SocketUser, messageId: string, content: string) {
    return replyOf(async () => {
      const { role } = await this.door.writer(roomId, who, false);
      return this.w.writes.edit({ ...who, role }, messageId, content);
    });
  }

  deleteMessage(roomId: number, who: SocketUser, messageId: string) {
    return replyOf(async () => {
      const { role } = await this.door.reader(roomId, who);
      return this.w.writes.remove({ ...who, role }, messageId);
    });
  }

  markRead(roomId: number, who: SocketUser, seq: number) {
    return replyOf(async () => {
      await this.door.writer(roomId, who, false);
      return this.w.writes.markRead(who.user, seq);
    });
  }

  /** A member's head with exact counts (REST lists), or with `watch` their inbox registers too (null: no). */
  memberHead(roomId: number, userId: number, floor: number, watch = false) {
    return watch ? this.heads.watch(this.door, roomId, userId, floor) : this.heads.headFor(userId, floor);
  }

  /** The worker's moderation calls (moderation/calls.ts): rule changes, reports, raid cleanup. */
  moderate(roomId: number, who: SocketUser, call: ModerationCall) {
    return replyOf(() => this.moderation.handle(roomId, who, call));
  }

  /**
   * A member's role or ban changed: the roster follows, open sockets act with the new role at
   * once, and a user who lost access has their sockets closed.
   */
  async rosterChanged(userId: number, m: Membership, close?: { code: number; reason: string }) {
    await this.door.memberChanged(userId, m);
    if (m.role === null) this.heads.lost(userId);
    if (close) this.closeUser(userId, close.code, close.reason);
  }

  /** A user's account was deleted: gone from the roster, their messages authored by nobody, sockets closed. */
  async userDeleted(userId: number) {
    await this.door.settled();
    if (this.roster.loaded) this.roster.setMember(userId, null);
    this.timeline.forgetAuthor(userId);
    this.reactions.forgetUser(userId);
    this.closeUser(userId, CloseCode.forbidden, "account deleted");
  }

  /** The room's row changed (renamed, described). */
  async roomChanged(room: RoomRow) {
    await this.door.settled();
    if (this.roster.loaded) this.roster.setRoom(room);
  }

  /** The user's account or sessions changed (their Account object, before the change returns). */
  dropAccount(userId: number) {
    this.accounts.drop(userId);
  }

  /** A user's global rights changed: their open sockets act with them at once. */
  async userChanged(userId: number, change: { isAdmin: boolean }) {
    for (const ws of this.ctx.getWebSockets(userTag(userId))) {
      writeAttachment(ws, { ...attachmentOf(ws), ...change } satisfies SocketUser);
    }
  }

  /** A user lost access (4403) or tokens were revoked (4401; of `sessions` only, if given): sockets close now. */
  closeUser(userId: number, code: number, reason: string, sessions?: string[]) {
    this.out.close(ofSessions(this.ctx.getWebSockets(userTag(userId)), sessions), code, reason);
  }

  /** `viewerId` blocked (or unblocked) `authorId` (PostgreSQL first): their sockets, presence and head follow at once. */
  async blocksChanged(viewerId: number, authorId: number, on: boolean) {
    await this.door.blocksChanged(viewerId, authorId, on);
    blockSeen(this.out, this.ctx, { viewerId, authorId, on }, this.moderation.hidden);
    this.heads.viewChanged(viewerId);
  }

  /** The room was deleted: close every socket and forget the room's storage. */
  async destroy() {
    this.out.close(this.ctx.getWebSockets(), CloseCode.notFound, "room deleted");
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.copies.forget();
    for (const part of [this.timeline, this.roster, this.reactions, this.threads, this.heads, this.seen])
      part.reset();
    this.moderation.reset();
  }

  /** The copy to PostgreSQL (see `outbox/schedule.ts`, `outbox/outbox.ts`), then what follows it. */
  override async alarm() {
    if (!this.timeline.initialised) return this.copies.forget();
    if (this.copies.quietWake()) {
      // A notice that may be lost is told again (outbox/courier-notice.ts).
      await this.notices.remind();
      return this.remindLater();
    }
    await this.moderation.refreshIfStale(this.timeline.roomId);
    this.notices.begin();
    if ((await this.copies.run()) === "room_gone") return this.destroy();
    // Pushes and webhooks start from what PostgreSQL now holds (issue 21); a long copy told some already.
    await this.notices.tell();
    this.remindLater();
    this.gauges.changed();
  }

  /** After a failed notice or reminder: a wake to remind the courier, unless an alarm comes sooner. */
  private remindLater() {
    const ms = this.notices.retryInMs;
    if (ms !== null) this.copies.wakeIn(ms);
  }
}
