import type { StoredParent } from "../../domain/event-rows";
import type { HiddenEvent, ParentPreview, TimelineEvent } from "../../protocol";
import { userTag } from "../socket/identity";

const SCHEMA = `CREATE TABLE IF NOT EXISTS hidden_events (seq INTEGER PRIMARY KEY, user_id INTEGER NOT NULL);`;

/** An event as one reader may see it: itself, or a placeholder at its seq. */
export type Visible = TimelineEvent | HiddenEvent;

/** Who blocked whom here (access/blocks.ts): a viewer does not see the events of authors they blocked. */
export type AuthorBlocks = { hidersOf(authorId: number | null): ReadonlySet<number> | undefined };

/**
 * Who sees an event whole when not everyone does; the other sockets get its placeholder. Readers
 * who see a reply but not the message it quotes get it with a hidden quote: `unquoted` (they
 * blocked the quoted author), everyone but `quotedBy` (the quoted message is hidden from all but
 * that user: `StoredParent.only`, domain/event-rows.ts).
 */
export type Audience = {
  only?: number;
  except?: ReadonlySet<number>;
  unquoted?: ReadonlySet<number>;
  quotedBy?: number;
};

/** Who reads a quote: their id, and whose messages they do not see (their blocks). */
export type QuoteReader = { id: number; hides(authorId: number | null): boolean };

/**
 * The room's one rule for "this reader must not see this event", and how such a reader sees it:
 * a `hidden` placeholder at the same seq, so that gap detection stays exact (invariant 14) live,
 * on resume and across it. Two sources answer it: events only one user may see (a shadow-banned
 * author's, kept here), and the reader's own blocks (an event caused by someone they blocked:
 * their message, edit, delete, reaction or the thread counter their reply moved).
 *
 * Kept for the life of the room's storage (not trimmed with the cache), because a resume from
 * PostgreSQL replays those seqs too; a room whose storage is gone has a new epoch, and no resume
 * crosses that. PostgreSQL marks the same events (`messages.hidden`) for its own reads.
 */
export class HiddenEvents {
  /**
   * The highest seq in the table (0: none): a seq past it is hidden from nobody, without a
   * query. Every new event asks (twice: its broadcast and the members' heads), and this class
   * alone writes the table; read from the table when the object starts, so it survives hibernation.
   */
  private top = 0;

  constructor(
    private readonly sql: SqlStorage,
    private readonly blocks: AuthorBlocks,
  ) {
    this.load();
  }

  load() {
    this.sql.exec(SCHEMA);
    this.top =
      this.sql.exec<{ top: number | null }>("SELECT max(seq) AS top FROM hidden_events").one().top ?? 0;
  }

  /** After the storage was wiped (room deleted). */
  reset() {
    this.load();
    this.sql.exec("DELETE FROM hidden_events");
    this.top = 0;
  }

  /** The event at `seq` is shown to `userId` only. */
  hide(seq: number, userId: number) {
    this.sql.exec("INSERT OR REPLACE INTO hidden_events (seq, user_id) VALUES (?, ?)", seq, userId);
    this.top = Math.max(this.top, seq);
  }

  /** The only user who sees the event at `seq`, if it is hidden from the others. */
  ownerOf(seq: number): number | undefined {
    if (seq > this.top) return undefined;
    return this.sql
      .exec<{ user_id: number }>("SELECT user_id FROM hidden_events WHERE seq = ?", seq)
      .toArray()[0]?.user_id;
  }

  /** Hidden seqs within `[from, to]` and their owners (one query per replay; none past the highest). */
  within(from: number, to: number): Map<number, number> {
    if (from > this.top) return new Map();
    const rows = this.sql
      .exec<{ seq: number; user_id: number }>(
        "SELECT seq, user_id FROM hidden_events WHERE seq BETWEEN ? AND ?",
        from,
        to,
      )
      .toArray();
    return new Map(rows.map((r) => [r.seq, r.user_id]));
  }

  /**
   * Who sees a new event whole, or undefined when everyone does (the usual case: one lookup in
   * the table, one in the block map).
   */
  audience(e: TimelineEvent): Audience | undefined {
    const only = this.ownerOf(e.seq);
    const except = this.blocks.hidersOf(e.user_id);
    const blocked = except !== undefined && except.size > 0;
    const parent = e.type === "message" ? (e.parent as StoredParent | null) : null;
    const unquoted = parent ? this.blocks.hidersOf(parent.user_id) : undefined;
    const quoting = unquoted !== undefined && unquoted.size > 0;
    const quotedBy = parent?.only;
    if (only === undefined && !blocked && !quoting && quotedBy === undefined) return undefined;
    return {
      ...(only !== undefined && { only }),
      ...(blocked && { except }),
      ...(quoting && { unquoted }),
      ...(quotedBy !== undefined && { quotedBy }),
    };
  }

  /** Each group of sockets (found by user tag) and the view of `e` it gets: whole, unquoted, a placeholder. */
  views(sockets: Pick<DurableObjectState, "getWebSockets">, e: TimelineEvent, a: Audience) {
    const of = (ids?: ReadonlySet<number>) =>
      new Set([...(ids ?? [])].flatMap((id) => sockets.getWebSockets(userTag(id))));
    const unseen = of(a.except);
    const all = sockets.getWebSockets();
    const candidates = a.only === undefined ? all : sockets.getWebSockets(userTag(a.only));
    const shown = new Set(candidates.filter((ws) => !unseen.has(ws)));
    const blockers = of(a.unquoted);
    const quoters =
      a.quotedBy === undefined ? undefined : new Set(sockets.getWebSockets(userTag(a.quotedBy)));
    const unquoted = (ws: WebSocket) => blockers.has(ws) || (quoters !== undefined && !quoters.has(ws));
    const groups: Array<[WebSocket[], Visible]> = [
      [[...shown].filter((ws) => !unquoted(ws)), bare(e)],
      [all.filter((ws) => !shown.has(ws)), placeholder(e)],
    ];
    if (blockers.size > 0 || quoters) groups.push([[...shown].filter(unquoted), unquote(e)]);
    return groups;
  }

  /** Whether `readerId` blocked `authorId` (their events, typing and counts are not theirs to see). */
  hidesAuthor(readerId: number, authorId: number | null): boolean {
    return this.blocks.hidersOf(authorId)?.has(readerId) ?? false;
  }

  /** The sockets of readers who blocked `authorId` (found by user tag): their typing does not reach them. */
  blockersSockets(sockets: Pick<DurableObjectState, "getWebSockets">, authorId: number): WebSocket[] {
    return [...(this.blocks.hidersOf(authorId) ?? [])].flatMap((id) => sockets.getWebSockets(userTag(id)));
  }

  /** A replay as `readerId` may see it. */
  viewOf<E extends TimelineEvent>(events: E[], readerId: number): Array<E | HiddenEvent> {
    if (events.length === 0) return events;
    const first = events[0]?.seq ?? 0;
    const hidden = this.within(first, events.at(-1)?.seq ?? first);
    return events.map((e) => {
      const owner = hidden.get(e.seq);
      const shown = (owner === undefined || owner === readerId) && !this.hidesAuthor(readerId, e.user_id);
      return shown ? this.quotedFor(e, readerId) : placeholder(e);
    });
  }

  /**
   * A reply as `readerId` may see what it quotes, now: a message by someone they blocked, or one
   * hidden from them, is hidden there too.
   */
  quotedFor<E extends TimelineEvent>(e: E, readerId: number): E {
    return quoteAs(e, { id: readerId, hides: (authorId) => this.hidesAuthor(readerId, authorId) });
  }

  /** Only what `readerId` may see at all (REST pages: a hidden message is left out, not replaced). */
  visibleTo<E extends TimelineEvent>(events: E[], readerId: number): E[] {
    const view = this.viewOf(events, readerId);
    return view.filter((e): e is E => e.type !== "hidden");
  }
}

export const placeholder = (e: Pick<TimelineEvent, "room_id" | "seq">): HiddenEvent => ({
  type: "hidden",
  room_id: e.room_id,
  seq: e.seq,
});

/**
 * What a reply shows of a parent its reader may not see: no author, no text, `hidden: true` (the
 * quoted message is hidden exactly as it is where it stands; a client shows "a hidden message").
 */
const hiddenQuote = (p: ParentPreview): ParentPreview => ({
  id: p.id,
  user_id: null,
  username: null,
  excerpt: null,
  deleted: false,
  hidden: true,
});

const unquote = <E extends TimelineEvent>(e: E): E =>
  e.type === "message" && e.parent ? { ...e, parent: hiddenQuote(e.parent) } : e;

/** `e` without what its row keeps of its quote for the room alone (`StoredParent.only`). */
const bare = <E extends TimelineEvent>(e: E): E => {
  if (e.type !== "message" || (e.parent as StoredParent | null)?.only === undefined) return e;
  const { only: _, ...parent } = e.parent as StoredParent;
  return { ...e, parent };
};

/**
 * `e` as `reader` sees what it quotes, at the time they read it: the quote is shown only if they
 * may see the quoted message (not hidden from them, not by someone they blocked), else hidden.
 * The same rule as `HiddenEvents.quotedFor`, for pages the worker reads from PostgreSQL or
 * filters with the reader's own block list (search, mentions, room lists, history).
 */
export function quoteAs<E extends TimelineEvent>(e: E, reader: QuoteReader): E {
  if (e.type !== "message" || !e.parent) return e;
  const { only, user_id, hidden } = e.parent as StoredParent;
  const sees = hidden === true || ((only === undefined || only === reader.id) && !reader.hides(user_id));
  return sees ? bare(e) : unquote(e);
}
