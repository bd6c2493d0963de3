import { describe, expect, it } from "vitest";
import { MEMO_CHARS, MEMO_PAGES, PageMemo } from "./page-memo";

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
});
