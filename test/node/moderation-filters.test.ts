import { describe, expect, it } from "vitest";
import { type FilterRule, FilterSet, mask } from "../../src/moderation/filter-set";
import { fold, foldWord } from "../../src/moderation/normalize";
import { compilePattern, patternRanges } from "../../src/moderation/patterns";

let nextId = 1;
const rule = (
  value: string,
  action: FilterRule["action"],
  kind: FilterRule["kind"] = "word",
): FilterRule => ({
  id: nextId++,
  room_id: 1,
  kind,
  value,
  action,
});

describe("folding text for matching", () => {
  it("folds case, full-width, ligatures, marks and mathematical letters", () => {
    expect(fold("BAD").text).toBe("bad");
    expect(fold("ＢＡＤ").text).toBe("bad");
    expect(fold("ﬁne").text).toBe("fine");
    expect(fold("bäd").text).toBe("bad");
    expect(fold("𝐛𝐚𝐝").text).toBe("bad");
    expect(fold("Ⓑⓐⓓ").text).toBe("bad");
  });

  it("drops zero-width characters and joiners", () => {
    expect(fold("b\u200Ba\u200Dd\u2060").text).toBe("bad");
    expect(fold("b\u00ADa\uFEFFd").text).toBe("bad");
  });

  it("folds Cyrillic and Greek look-alikes to Latin", () => {
    expect(fold("ѕсаm").text).toBe("scam"); // Cyrillic ѕ, с, а
    expect(fold("ΒΑΝ").text).toBe("ban"); // Greek capitals
    expect(fold("рорсоrn").text).toBe("popcorn");
  });

  it("reads digits as letters only for word lists", () => {
    expect(fold("h4t3", true).text).toBe("hate");
    expect(fold("h4t3").text).toBe("h4t3");
    expect(foldWord("kill")).toBe(foldWord("k1ll"));
  });

  it("maps every folded character back to what was sent", () => {
    const f = fold("xＢ\u200Bad");
    expect(f.text).toBe("xbad");
    expect([f.from[1], f.to[3]]).toEqual([1, 5]);
  });
});

describe("word filters", () => {
  const block = rule("spam", "block");
  const set = new FilterSet([block]);

  it.each([
    ["case", "SPAM here"],
    ["full-width", "ｓｐａｍ"],
    ["zero-width joiners", "s\u200Dp\u200Ba\u2060m"],
    ["Cyrillic look-alikes", "ѕрам"],
    ["Greek look-alikes", "ѕρam"],
    ["leetspeak", "5p4m"],
    ["combining marks", "s\u0301pa\u0308m"],
  ])("catch the bypass by %s", (_, text) => {
    expect(set.judge(text)).toEqual({ action: "block", rule: block });
  });

  it("match whole words only", () => {
    expect(set.judge("spammer spamming").action).toBe("allow");
    expect(set.judge("no spam!").action).toBe("block");
    const ass = new FilterSet([rule("ass", "block")]);
    expect(ass.judge("a classic class").action).toBe("allow");
  });

  it("mask what was sent, one star per character, zero-width included", () => {
    const set = new FilterSet([rule("darn", "mask")]);
    expect(set.judge("oh DARN it")).toMatchObject({ action: "mask", text: "oh **** it" });
    expect(set.judge("d\u200Barn!")).toMatchObject({ action: "mask", text: "*****!" });
    expect(set.judge("ｄａｒｎ")).toMatchObject({ action: "mask", text: "****" });
  });

  it("flag without changing the text, and block wins over mask and flag", () => {
    const flag = rule("scam", "flag");
    const m = rule("darn", "mask");
    const b = rule("nuke", "block");
    const set = new FilterSet([flag, m, b]);
    expect(set.judge("a scam")).toEqual({ action: "allow", text: "a scam", flagged: [flag] });
    expect(set.judge("darn scam")).toEqual({
      action: "mask",
      text: "**** scam",
      rules: [m],
      flagged: [flag],
    });
    expect(set.judge("darn scam nuke")).toEqual({ action: "block", rule: b });
  });

  it("match thousands of words in one pass", () => {
    const many = Array.from({ length: 5000 }, (_, i) => rule(`word${i}x`, "block"));
    const set = new FilterSet(many);
    const text = "lorem ipsum ".repeat(330);
    const t0 = performance.now();
    expect(set.judge(text).action).toBe("allow");
    expect(set.judge(`${text} word4999x`).action).toBe("block");
    expect(performance.now() - t0).toBeLessThan(500);
  });
});

describe("pattern filters", () => {
  it.each(["(a+)+$", "(a*)*b", "(x+x+)+y", "(.*a){12}"])(
    "refuse a catastrophic pattern at creation: %s",
    (p) => {
      expect(() => compilePattern(p)).toThrow(
        expect.objectContaining({ code: "unsafe_pattern", status: 422 }),
      );
    },
  );

  it("refuse what RE2 cannot run in linear time (backreferences, lookaround) and oversized patterns", () => {
    for (const p of ["(a)\\1", "a(?=b)", "x".repeat(201), ""]) {
      expect(() => compilePattern(p)).toThrow(expect.objectContaining({ code: "unsafe_pattern" }));
    }
  });

  it("match on folded text and mask the original range", () => {
    const p = rule("fr[e3]e\\s*money", "mask", "pattern");
    const set = new FilterSet([p]);
    expect(set.judge("get ＦＲＥＥ   MONEY now")).toMatchObject({
      action: "mask",
      text: "get ************ now",
    });
    expect(set.judge("get fr3e money").action).toBe("mask");
    const phone = new FilterSet([rule("\\d{3}-\\d{4}", "block", "pattern")]);
    expect(phone.judge("call ５５５-１２３４").action).toBe("block");
  });

  it("take bounded time on a hostile text at the longest message", () => {
    // Polynomial in a backtracking engine (a*a*a*…b on a long run of a's); linear in RE2.
    const p = compilePattern("a*a*a*a*a*c");
    const text = "a".repeat(4000);
    const t0 = performance.now();
    expect(patternRanges(p, text)).toEqual([]);
    const set = new FilterSet(Array.from({ length: 20 }, (_, i) => rule(`a*a*a*z${i}`, "block", "pattern")));
    expect(set.judge(text).action).toBe("allow");
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});

describe("mask", () => {
  it("counts code points, not UTF-16 units", () => {
    expect(mask("a😀b", [[1, 3]])).toBe("a*b");
  });
});
