import { describe, expect, it } from "vitest";
import { MEMO_CHARS, MEMO_PAGES, MemoBudget, PageMemo } from "./page-memo";

/** A memo over a change count the test moves by hand. */
function memo() {
  const storage = { changes: 0 };
  return { storage, pages: new PageMemo<{ body: string }>(() => storage.changes) };
}

describe("PageMemo", () => {
  it("answers a kept page until the storage changes, then nothing", () => {
    const { storage, pages } = memo();
    const { kept, mark } = pages.find("a");
    expect(kept).toBeUndefined();
    pages.keep("a", { body: "[1]" }, mark);
    expect(pages.find("a").kept).toEqual({ body: "[1]" });
    storage.changes++;
    expect(pages.find("a").kept).toBeUndefined();
  });

  it("does not keep a page the storage changed under while it was made", () => {
    const { storage, pages } = memo();
    const { mark } = pages.find("a");
    storage.changes++;
    // Another request saw the change first.
    pages.find("b");
    pages.keep("a", { body: "[old]" }, mark);
    expect(pages.find("a").kept).toBeUndefined();
  });

  it("forgets a page made before a change nobody asked about yet", () => {
    const { storage, pages } = memo();
    const { mark } = pages.find("a");
    storage.changes++;
    pages.keep("a", { body: "[old]" }, mark);
    expect(pages.find("a").kept).toBeUndefined();
  });

  it("forgets everything after a wipe, even if the count starts again at the same number", () => {
    const { pages } = memo();
    pages.keep("a", { body: "[1]" }, pages.find("a").mark);
    pages.forget();
    expect(pages.find("a").kept).toBeUndefined();
  });
});

describe("PageMemo's bounds", () => {
  it("is bounded in pages and characters, the oldest out first", () => {
    const { pages } = memo();
    const { mark } = pages.find("x");
    for (let i = 0; i <= MEMO_PAGES; i++) pages.keep(`p${i}`, { body: `[${i}]` }, mark);
    expect(pages.find("p0").kept).toBeUndefined();
    expect(pages.find(`p${MEMO_PAGES}`).kept).toEqual({ body: `[${MEMO_PAGES}]` });
    const big = "x".repeat(MEMO_CHARS / 2);
    pages.keep("big1", { body: big }, mark);
    pages.keep("big2", { body: big }, mark);
    expect(pages.find(`p${MEMO_PAGES}`).kept).toBeUndefined();
    expect(pages.find("big1").kept).toBeDefined();
    pages.keep("big3", { body: big }, mark);
    expect(pages.find("big1").kept).toBeUndefined();
    expect(pages.find("big3").kept).toBeDefined();
    pages.keep("huge", { body: `${big}${big}x` }, mark);
    expect(pages.find("huge").kept).toBeUndefined();
  });

  it("keeps the memos of one isolate within their shared budget, the biggest giving way first", () => {
    const budget = new MemoBudget(100);
    const storage = { changes: 0 };
    const rooms = [0, 1, 2].map(() => new PageMemo<{ body: string }>(() => storage.changes, budget));
    const total = () => rooms.reduce((n, m) => n + m.size, 0);
    const page = (n: number) => ({ body: "x".repeat(n) });
    const [a, b, c] = rooms as [
      PageMemo<{ body: string }>,
      PageMemo<{ body: string }>,
      PageMemo<{ body: string }>,
    ];
    a.keep("1", page(30), a.find("1").mark);
    a.keep("2", page(30), a.find("2").mark);
    b.keep("1", page(30), b.find("1").mark);
    expect(total()).toBe(90);
    // The fourth page does not fit: the memo keeping most (a) gives up its oldest.
    c.keep("1", page(30), c.find("1").mark);
    expect(total()).toBe(90);
    expect(a.find("1").kept).toBeUndefined();
    expect(a.find("2").kept).toEqual(page(30));
    expect(c.find("1").kept).toEqual(page(30));
    for (let i = 0; i < 20; i++) {
      const m = rooms[i % 3] as PageMemo<{ body: string }>;
      m.keep(`k${i}`, page(7 + i), m.find(`k${i}`).mark);
      expect(total()).toBeLessThanOrEqual(100);
    }
  });
});
