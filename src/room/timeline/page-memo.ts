import type { JsonText } from "../../json-text";
import type { Message } from "../../protocol";

/** A history page as REST answers it: JSON text made once in the room, and who wrote its messages. */
export type HistoryBody = { body: JsonText<Message[]>; authors: number[] };

/** Pages kept at most, and their text in characters at most (a page of 50 is ≈ 15,000). */
export const MEMO_PAGES = 32;
export const MEMO_CHARS = 256 * 1024;

/**
 * Characters all the memos of one isolate keep at most. Several rooms' objects may share an
 * isolate and its memory (128 MB in production): without this, 256 K characters per room, times
 * every busy room there, would be bounded by nothing.
 */
export const ISOLATE_MEMO_CHARS = 8 * 1024 * 1024;

/**
 * What the memos sharing one budget keep. Held weakly: an object the runtime evicted leaves no
 * call behind, so its memo counts until it is collected (and gives its pages up first meanwhile).
 */
export class MemoBudget {
  private readonly memos = new Set<WeakRef<PageMemo<{ body: string }>>>();

  constructor(readonly chars: number) {}

  join(memo: PageMemo<{ body: string }>) {
    this.memos.add(new WeakRef(memo));
  }

  /**
   * Makes room for `need` more characters: the oldest pages of the memo keeping most go first,
   * whichever room it is (a page is only a cache; what it costs a room is a page made again).
   */
  makeRoom(need: number) {
    let total = 0;
    const live: PageMemo<{ body: string }>[] = [];
    for (const ref of this.memos) {
      const memo = ref.deref();
      if (!memo) this.memos.delete(ref);
      else {
        live.push(memo);
        total += memo.size;
      }
    }
    while (total + need > this.chars) {
      const biggest = live.reduce((a, b) => (b.size > a.size ? b : a));
      const freed = biggest.dropOldest();
      if (freed === 0) return;
      total -= freed;
    }
  }
}

/** The budget of every memo of this isolate. */
const ISOLATE = new MemoBudget(ISOLATE_MEMO_CHARS);

/** What `find` answers: the page kept for the key, if any, and the mark to `keep` a new one with. */
export type Found<T> = { kept: T | undefined; mark: number };

/**
 * Serialized history pages, kept until the room's storage next changes. Every fact a cached page
 * is made of (its rows, their edits and deletes, reactions, thread counters, hidden events, the
 * members' blocks) is in the room's SQLite storage, which only this object writes; `changes` is
 * SQLite's count of rows changed on the connection (`total_changes()`), which grows with every
 * INSERT, UPDATE and DELETE, whatever the table. So a page kept under the count still current is
 * exactly the page the room would make again. A wipe of the storage (room deleted) may restart
 * the count, so it `forget`s everything. Bounded in pages and characters (oldest out first), and
 * with every other memo of the isolate by a shared budget (`MemoBudget`).
 */
export class PageMemo<T extends { body: string }> {
  private mark = -1;
  private readonly pages = new Map<string, T>();
  private chars = 0;

  constructor(
    private readonly changes: () => number,
    private readonly budget: MemoBudget = ISOLATE,
  ) {
    budget.join(this);
  }

  /** The characters kept now. */
  get size() {
    return this.chars;
  }

  /** The page kept for `key` if nothing changed since it was made; a change forgets every page. */
  find(key: string): Found<T> {
    const now = this.changes();
    if (now !== this.mark) {
      this.forgetPages();
      this.mark = now;
    }
    return { kept: this.pages.get(key), mark: now };
  }

  /**
   * Keeps a page made after `find` answered `mark`. If anything changed meanwhile, the count has
   * moved past `mark` and the next `find` forgets the page before anyone reads it.
   */
  keep(key: string, page: T, mark: number) {
    if (mark !== this.mark || page.body.length > MEMO_CHARS) return;
    this.drop(key);
    for (const [oldest] of this.pages) {
      if (this.pages.size < MEMO_PAGES && this.chars + page.body.length <= MEMO_CHARS) break;
      this.drop(oldest);
    }
    this.budget.makeRoom(page.body.length);
    this.pages.set(key, page);
    this.chars += page.body.length;
  }

  /** Drops the oldest page kept; returns its characters (0: nothing was kept). */
  dropOldest(): number {
    const [oldest] = this.pages.keys();
    if (oldest === undefined) return 0;
    const before = this.chars;
    this.drop(oldest);
    return before - this.chars;
  }

  /** After the storage was wiped: nothing kept may be answered again. */
  forget() {
    this.forgetPages();
    this.mark = -1;
  }

  private forgetPages() {
    this.pages.clear();
    this.chars = 0;
  }

  private drop(key: string) {
    const page = this.pages.get(key);
    if (!page) return;
    this.pages.delete(key);
    this.chars -= page.body.length;
  }
}
