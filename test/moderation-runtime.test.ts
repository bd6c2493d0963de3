import { describe, expect, it } from "vitest";
import { FilterSet } from "../src/moderation/filter-set";
import { compilePattern } from "../src/moderation/patterns";

// The filters' libraries (modern-ahocorasick, re2js, safe-regex2) in workerd itself: the node
// project tests the rules, this file that they run where the room runs them.
describe("filters in the Workers runtime", () => {
  it("match words and patterns, and refuse a catastrophic pattern", () => {
    const set = new FilterSet([
      { id: 1, room_id: 1, kind: "word", value: "spam", action: "block" },
      { id: 2, room_id: 1, kind: "pattern", value: "fr[e3]e\\s*money", action: "mask" },
    ]);
    expect(set.judge("ｓ\u200Bｐａｍ").action).toBe("block");
    expect(set.judge("get FREE money")).toMatchObject({ action: "mask", text: "get **********" });
    expect(() => compilePattern("(a+)+$")).toThrow(expect.objectContaining({ code: "unsafe_pattern" }));
  });
});
