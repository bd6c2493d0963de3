import { directUnavailable, youBlocked } from "../../domain/access-rules";
import type { Roster } from "./roster";

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS hidden_authors (
    viewer_id INTEGER NOT NULL, author_id INTEGER NOT NULL, PRIMARY KEY (viewer_id, author_id));
  CREATE TABLE IF NOT EXISTS hidden_authors_meta (key TEXT PRIMARY KEY);
`;

/**
 * Who blocked whom among this room's members: a row says `viewer_id` blocked `author_id`
 * (README, Blocks), so the room hides that author's events from that viewer (moderation/hidden.ts,
 * the room's one per-viewer hiding rule) and leaves them out of the viewer's counts
 * (heads/unread-index.ts reads the table). PostgreSQL's `user_blocks` is the record; the room
 * keeps each member's whole list in its SQLite (hibernation forgets nothing): read once for the
 * members it has (`loaded`), for each member who joins later, on every connect (the worker's
 * copy, from the user's Account object), and changed by `Room.blocksChanged` at once.
 *
 * A broadcast asks `hidersOf(author)`: one map lookup, so rooms without blocks pay nothing.
 */
export class Blocks {
  /** author → viewers hiding them, built from the table on first use. */
  private index: Map<number, Set<number>> | null = null;
  private loadedCache = false;

  constructor(
    private readonly sql: SqlStorage,
    private readonly roster: Pick<Roster, "room" | "membership">,
  ) {
    sql.exec(SCHEMA);
  }

  reset() {
    this.sql.exec(SCHEMA);
    this.index = null;
    this.loadedCache = false;
  }

  /** Whether the members' lists were read (once per room storage; asked by every door check). */
  get loaded(): boolean {
    this.loadedCache ||=
      this.sql.exec("SELECT 1 FROM hidden_authors_meta WHERE key = 'loaded'").toArray().length > 0;
    return this.loadedCache;
  }

  /** Every member's list, from PostgreSQL: `[blocker, blocked]` pairs. */
  fill(pairs: Array<[number, number]>) {
    for (const [viewer, author] of pairs) this.insert(viewer, author);
    this.sql.exec("INSERT OR IGNORE INTO hidden_authors_meta (key) VALUES ('loaded')");
    this.loadedCache = true;
    this.index = null;
  }

  /** One viewer's whole list (they connected or joined): the usual case, unchanged, writes nothing. */
  replace(viewerId: number, authors: readonly number[]) {
    const current = this.of(viewerId);
    const have = new Set(current);
    if (current.length === authors.length && authors.every((a) => have.has(a))) return;
    this.sql.exec("DELETE FROM hidden_authors WHERE viewer_id = ?", viewerId);
    for (const a of authors) this.insert(viewerId, a);
    this.index = null;
  }

  set(viewerId: number, authorId: number, on: boolean) {
    if (on) this.insert(viewerId, authorId);
    else
      this.sql.exec("DELETE FROM hidden_authors WHERE viewer_id = ? AND author_id = ?", viewerId, authorId);
    this.index = null;
  }

  /** The viewers here who do not see `authorId`'s events (undefined: everyone sees them). */
  hidersOf(authorId: number | null): ReadonlySet<number> | undefined {
    if (authorId === null) return undefined;
    return this.load().get(authorId);
  }

  hides(viewerId: number, authorId: number | null): boolean {
    return this.hidersOf(authorId)?.has(viewerId) ?? false;
  }

  /**
   * In a direct room, a message between two users one of whom blocked the other is refused: the
   * blocker is told why (409 `user_blocked`), the blocked one hears what a conversation with a
   * deactivated account answers (403 `direct_unavailable`), as opening one does (domain/direct.ts).
   */
  checkDirectPost(senderId: number) {
    if (this.roster.room?.kind !== "direct") return;
    const isMember = (id: number) => id !== senderId && this.roster.membership(id).role !== null;
    if (this.of(senderId).some(isMember)) throw youBlocked();
    for (const viewer of this.hidersOf(senderId) ?? []) if (isMember(viewer)) throw directUnavailable();
  }

  private of(viewerId: number): number[] {
    return this.sql
      .exec<{ author_id: number }>("SELECT author_id FROM hidden_authors WHERE viewer_id = ?", viewerId)
      .toArray()
      .map((r) => r.author_id);
  }

  private insert(viewerId: number, authorId: number) {
    this.sql.exec(
      "INSERT OR IGNORE INTO hidden_authors (viewer_id, author_id) VALUES (?, ?)",
      viewerId,
      authorId,
    );
  }

  private load(): Map<number, Set<number>> {
    if (this.index) return this.index;
    const index = new Map<number, Set<number>>();
    for (const r of this.sql.exec<{ viewer_id: number; author_id: number }>(
      "SELECT viewer_id, author_id FROM hidden_authors",
    )) {
      const set = index.get(r.author_id) ?? new Set<number>();
      set.add(r.viewer_id);
      index.set(r.author_id, set);
    }
    this.index = index;
    return index;
  }
}
