import { toMessageEvent } from "../../domain/event-rows";
import type { Bindings, Config } from "../../env";
import { inboxStub } from "../../inbox/notify";
import type { HeadPreview, RoomHead, TimelineEvent } from "../../protocol";
import type { Door } from "../access/door";
import type { HiddenEvents } from "../moderation/hidden";
import type { Publish } from "../output";
import type { Timeline } from "../timeline/timeline";
import { HeadPushes } from "./head-pushes";
import { StoredPreviews } from "./stored-previews";
import { previewOf, UnreadIndex } from "./unread-index";

/**
 * The room's side of every member's inbox: each member's head (the room's last seq and message,
 * the member's read marker, their exact unread and mention counts) computed from the room's own
 * timeline and markers, served to REST lists (`headFor`) and pushed to the inboxes that watch the
 * room (`head-pushes.ts`). Nothing here runs on the sequencing path but one small insert per
 * message (`follow`); a failure here is logged and never stops the room.
 */
export class MemberHeads {
  private readonly index: UnreadIndex;
  private readonly pushes: HeadPushes;
  private readonly stored: StoredPreviews;

  constructor(
    sql: SqlStorage,
    private readonly timeline: Timeline,
    env: Bindings,
    /**
     * Events only their author sees (a shadow-banned user's) count in nobody's head; a member's
     * head leaves out the authors they blocked (counts and preview).
     */
    private readonly hidden: Pick<HiddenEvents, "ownerOf" | "hidesAuthor">,
    config: Config,
  ) {
    this.index = new UnreadIndex(sql, timeline);
    this.pushes = new HeadPushes(
      sql,
      (userId, floor) => this.compute(userId, floor),
      (userId, head) => inboxStub(env, userId).roomHead(head),
    );
    // A preview read from PostgreSQL moves that member's head: pushed again like a marker.
    this.stored = new StoredPreviews(
      config,
      () => timeline.roomId,
      (e) => timeline.cache.current(e),
      (userId) => this.pushes.markerMoved(userId),
    );
  }

  /** The room's publishing, followed: every event and marker also reaches the members' inboxes. */
  observe(inner: Publish): Publish {
    return {
      event: (e) => {
        inner.event(e);
        this.follow(e);
      },
      readMarker: (userId, seq) => {
        inner.readMarker(userId, seq);
        this.pushes.markerMoved(userId);
      },
    };
  }

  /** A timeline event was published: indexed, and the watchers told after the turn. */
  private follow(e: TimelineEvent) {
    if (this.hidden.ownerOf(e.seq) !== undefined) return;
    try {
      // The index starts at the first event it sees (older messages of the room count as read).
      this.index.start(e.seq - 1);
      if (this.index.follow(e)) this.pushes.headMoved();
      // A preview read from PostgreSQL that showed this message is read again and pushed.
      if (e.type === "message.edited" || e.type === "message.deleted") {
        for (const userId of this.stored.messageChanged(e.message_id)) this.pushes.markerMoved(userId);
      }
    } catch (err) {
      console.error("room: unread index could not follow an event", e.seq, err);
    }
  }

  /** What a member sees changed (a block): their head is pushed again. */
  viewChanged(userId: number) {
    this.stored.forget(userId);
    this.pushes.markerMoved(userId);
  }

  /** A member lost the room: no head of it reaches their inbox from now on. */
  lost(userId: number) {
    this.pushes.unwatch(userId);
  }

  /** A member's inbox registers; null if they are not a member (removed, banned, never joined). */
  async watch(door: Door, roomId: number, userId: number, floor: number): Promise<RoomHead | null> {
    try {
      const access = await door.reader(roomId, { user: { id: userId, username: "" }, isAdmin: false });
      if (access.role === null) return null;
    } catch {
      return null;
    }
    this.pushes.watch(userId, floor);
    const head = this.compute(userId, floor);
    // The first head of an inbox waits for a preview PostgreSQL is being asked for (bounded).
    const reading = this.stored.pending(userId);
    return reading ? reading.then(() => this.compute(userId, floor)) : head;
  }

  /** One member's head, or null while this room's timeline does not exist here yet. */
  headFor(userId: number, floor: number): RoomHead | null {
    return this.timeline.initialised ? this.compute(userId, floor) : null;
  }

  private compute(userId: number, floor: number): RoomHead {
    const last = this.timeline.lastSeq;
    const read = Math.min(last, Math.max(floor, this.timeline.markers.of(userId)));
    return {
      room_id: this.timeline.roomId,
      room_seq: last,
      read_seq: read,
      last_message: this.previewFor(userId, last),
      ...this.index.counts(userId, Math.max(read, this.index.since ?? 0)),
    };
  }

  /**
   * The room's last message, or for a member who blocked its author the last one they may see:
   * as the cache has it now, or, older than the cache, as PostgreSQL has it (`stored-previews`:
   * null until that read arrives, then pushed again).
   */
  private previewFor(userId: number, lastSeq: number): HeadPreview | null {
    const last = this.index.preview(lastSeq);
    if (!last || !this.hidden.hidesAuthor(userId, last.user_id)) return last;
    const id = this.index.lastShownTo(userId, lastSeq);
    const row = id === undefined ? undefined : this.timeline.cachedMessage(id);
    if (!row) return this.stored.get(userId, id ?? "before the index") ?? null;
    return previewOf(this.timeline.cache.current(toMessageEvent(this.timeline.roomId, row)));
  }

  /** After the room's storage was wiped: empty tables again. */
  reset() {
    this.index.load();
    this.pushes.load();
    this.stored.reset();
  }
}
