import type { JsonText } from "../../json-text";
import type { Message } from "../../protocol";

/** A history page as REST answers it: JSON text made once in the room, and who wrote its messages. */
export type HistoryBody = { body: JsonText<Message[]>; authors: number[] };

/** Pages kept at most, and their text in characters at most (a page of 50 is ≈ 15,000). */
export const MEMO_PAGES = 32;
export const MEMO_CHARS = 256 * 1024;

/** What `find` answers: the page kept for the key, if any, and the mark to `keep` a new one with. */
export type Found<T> = { kept: T | undefined; mark: number };

/**
 * Serialized history pages, kept until the room's storage next changes. Every fact a cached page
 * is made of (its rows, their edits and deletes, reactions, thread counters, hidden events, the
 * members' blocks) is in the room's SQLite storage, which only this object writes; `changes` is
 * SQLite's count of rows changed on the connection (`total_changes()`), which grows with every
 * INSERT, UPDATE and DELETE, whatever the table. So a page kept under the count still current is
 * exactly the page the room would make again. A wipe of the storage (room deleted) may restart
 * the count, so it `forget`s everything. Bounded in pages and characters (oldest out first).
 */
export class PageMemo<T extends { body: string }> {
  private mark = -1;
  private readonly pages = new Map<string, T>();
  private chars = 0;

  constructor(private readonly changes: () => number) {}

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
    this.pages.set(key, page);
    this.chars += page.body.length;
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
