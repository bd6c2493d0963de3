import type { InboxEvent, InboxFrame, InboxReady, RoomHead } from "../../src/protocol/inbox";
import type { RoomKind } from "../../src/protocol/kinds";
import type { RoomSummary } from "./api";
import { Channel, type ChannelEvents, type ChannelOptions, type ChannelStatus } from "./channel";

export type { InboxEvent, InboxReady, RoomHead } from "../../src/protocol/inbox";

/** One entry of the conversation list the inbox keeps up to date. */
export type Conversation = {
  room_id: number;
  name: string;
  kind: RoomKind;
  /** The other person of a direct conversation. */
  with: { id: number; username: string } | null;
  last_message: RoomHead["last_message"];
  unread_count: number;
  mention_count: number;
};

export type InboxOptions = ChannelOptions & {
  /** `http(s)://` base of the server; the socket goes to `ws(s)://…/ws/me`. */
  baseUrl: string;
};

export type InboxEvents = {
  ready: InboxReady;
  /** Every channel event, once, in `seq` order. */
  event: InboxEvent;
  /** The conversation list changed (most recent activity first). */
  conversations: Conversation[];
  status: ChannelStatus;
  closed: ChannelEvents["closed"];
  error: { code: string; message: string };
};

const activity = (c: Conversation) => c.last_message?.created_at ?? "";

/**
 * The user's one connection to every room (`/ws/me`): reconnects with backoff, resumes with
 * `since`/`epoch`, emits each event once in order, and keeps the conversation list (rooms and
 * DMs with their last message and exact unread and mention counts) up to date. When the server
 * cannot replay what was missed (`recovered: false`) or on the first connection, it refetches the
 * lists over REST; a head that arrives meanwhile wins over the older REST answer.
 *
 * @example
 * const inbox = new Inbox({ baseUrl: "http://127.0.0.1:8787", token });
 * inbox.on("conversations", (list) => render(list));
 */
export class Inbox extends Channel<InboxEvents> {
  readonly conversations = new Map<number, Conversation>();
  /** What live events changed while the lists were being fetched (null: the room is gone). */
  private touched: Map<number, Partial<Conversation> | null> | null = null;
  private refreshing: Promise<void> | null = null;
  private again = false;

  constructor(options: InboxOptions) {
    super(options, { path: "/ws/me" });
  }

  /** The conversation list, most recent activity first. */
  list(): Conversation[] {
    return [...this.conversations.values()].sort(
      (a, b) => activity(b).localeCompare(activity(a)) || b.room_id - a.room_id,
    );
  }

  /** Refetches the rooms and DMs over REST (exact counts, from the rooms themselves); one at a time. */
  refresh(): Promise<void> {
    if (this.refreshing) {
      this.again = true;
      return this.refreshing;
    }
    this.refreshing = this.fetchLists().finally(() => {
      this.refreshing = null;
      if (this.again) {
        this.again = false;
        void this.refresh();
      }
    });
    return this.refreshing;
  }

  private async fetchLists(): Promise<void> {
    const api = this.rest();
    this.touched = new Map();
    try {
      const [rooms, directs] = await Promise.all([
        api.myRooms(),
        api.request<Array<RoomSummary & { with: Conversation["with"] }>>("GET", "/dm"),
      ]);
      const fresh = new Map<number, Conversation>();
      for (const r of rooms) fresh.set(r.id, fromSummary(r, null));
      for (const d of directs) fresh.set(d.id, fromSummary(d, d.with));
      // What live events said meanwhile wins over the REST answer, which may be older.
      for (const [id, patch] of this.touched) {
        const base = fresh.get(id);
        if (patch === null) fresh.delete(id);
        else if (base) fresh.set(id, { ...base, ...patch });
        else if (patch.name !== undefined) fresh.set(id, patch as Conversation);
      }
      this.conversations.clear();
      for (const [id, c] of fresh) this.conversations.set(id, c);
      this.emit("conversations", this.list());
    } catch (err) {
      this.emit("error", { code: "refresh_failed", message: (err as Error).message });
    } finally {
      this.touched = null;
    }
  }

  protected override onData(data: unknown) {
    if (typeof data !== "string") return;
    const frame = JSON.parse(data) as InboxFrame;
    if (frame.type === "ready") return void this.onReady(frame);
    if (frame.type === "error") return this.emit("error", frame);
    if (frame.type === "pong") return;
    if (frame.type === "sync") return void this.echo(frame);
    if (!this.advance(frame.seq)) return;
    this.apply(frame);
    this.emit("event", frame);
  }

  private async onReady(ready: InboxReady) {
    const fresh = ready.recovered !== true;
    this.epoch = ready.epoch;
    if (fresh) this.lastSeq = ready.last_seq;
    this.emit("ready", ready);
    if (fresh || this.conversations.size === 0) await this.refresh();
  }

  /** Applies one event to the conversation list. */
  private apply(e: InboxEvent) {
    const id = "room_id" in e ? e.room_id : e.type === "account" ? null : e.room.id;
    if (id === null) return;
    const patch = patchOf(e, this.conversations.get(id));
    if (this.touched) {
      const before = this.touched.get(id);
      this.touched.set(id, patch === null ? null : { ...(before ?? {}), ...patch });
    }
    const known = this.conversations.get(id);
    if (patch === null) this.conversations.delete(id);
    else if (known) this.conversations.set(id, { ...known, ...patch });
    else if (patch.name !== undefined) this.conversations.set(id, patch as Conversation);
    // A head of a room not listed yet: its name comes from REST.
    else return void this.refresh();
    this.emit("conversations", this.list());
  }
}

/** What one event changes in a conversation; null: the conversation is gone. */
function patchOf(e: InboxEvent, known: Conversation | undefined): Partial<Conversation> | null {
  switch (e.type) {
    case "room.head":
    case "room.read":
      return { last_message: e.last_message, unread_count: e.unread_count, mention_count: e.mention_count };
    case "room.joined":
    case "room.invited":
    case "dm.new":
    case "room.renamed": {
      const base = known ?? { last_message: null, unread_count: 0, mention_count: 0, with: null };
      const other = e.type === "dm.new" ? e.with : base.with;
      return { ...base, room_id: e.room.id, name: e.room.name, kind: e.room.kind, with: other };
    }
    case "account":
      return {};
    default:
      return null;
  }
}

type Listed = RoomSummary & { mention_count?: number };

function fromSummary(r: Listed, other: Conversation["with"]): Conversation {
  const m = r.last_message;
  return {
    room_id: r.id,
    name: r.name,
    kind: r.kind,
    with: other,
    last_message: m && {
      id: m.id,
      seq: m.seq,
      user_id: m.user_id,
      username: m.username,
      excerpt: m.content === null ? null : m.content.slice(0, 100),
      created_at: m.created_at,
    },
    unread_count: r.unread_count,
    mention_count: r.mention_count ?? 0,
  };
}
