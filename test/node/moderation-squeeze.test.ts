import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type FilterRule, FilterSet } from "../../src/moderation/filter-set";
import { fold } from "../../src/moderation/normalize";
import { squeeze } from "../../src/moderation/squeeze";

let nextId = 1;
const rule = (value: string, action: FilterRule["action"] = "block"): FilterRule => ({
  id: nextId++,
  room_id: 1,
  kind: "word",
  value,
  action,
});

describe("spaced-out and repeated letters", () => {
  const bad = new FilterSet([rule("bad")]);

  it.each([
    "b a d",
    "b.a.d",
    "b-a-d",
    "b_a_d",
    "b . a . d",
    "baaaad",
    "BAAAD!",
    "b a a a d",
    "you are b a d",
    "so baaad.",
  ])("catch %j for the word bad", (text) => {
    expect(bad.judge(text).action).toBe("block");
  });

  it.each(["badge", "a badger", "abad", "b a dge", "b a d g e", "bad".split("").join("      ")])(
    "leave %j alone",
    (text) => {
      expect(bad.judge(text).action).toBe("allow");
    },
  );

  it("keep whole words: no false positives for a word inside another, spaced or not", () => {
    const ass = new FilterSet([rule("ass")]);
    for (const ok of ["class", "assess", "bass", "as", "a classic class", "c l a s s", "as soon as", "a s"]) {
      expect(ass.judge(ok).action, ok).toBe("allow");
    }
    for (const hit of ["ass", "a s s", "aaassss", "a$$", "A.S.S", "you ass!"]) {
      expect(ass.judge(hit).action, hit).toBe("block");
    }
  });

  it("mask exactly what was sent: the spaces and repeats inside the word, nothing around it", () => {
    const set = new FilterSet([rule("darn", "mask")]);
    expect(set.judge("oh d a r n it")).toMatchObject({ text: "oh ******* it" });
    expect(set.judge("daaaarn!")).toMatchObject({ text: "*******!" });
    expect(set.judge("so d.a.r.n, ok")).toMatchObject({ text: "so *******, ok" });
    expect(set.judge("ＤＡＡＲＮ")).toMatchObject({ text: "*****" });
  });

  it("squeeze maps every character back inside the original range", () => {
    const text = "xy b a a d yz";
    const s = squeeze(fold(text, true));
    expect(s.text).toBe("xy bad yz");
    expect(s.counts).toEqual([1, 1, 1, 1, 2, 1, 1, 1, 1]);
    expect(s.units.map((u) => u.spaced)).toEqual([false, true, false]);
    // "a" (squeezed from "a a") covers both a's and the space between them.
    expect(text.slice(s.from[4], s.to[4])).toBe("a a");
  });
});

describe("properties", () => {
  const letters = fc.constantFrom(..."abcdefghijkmnopqrstuvwxyz".split(""));
  const word = fc.array(letters, { minLength: 3, maxLength: 8 }).map((cs) => cs.join(""));
  const sep = fc.constantFrom(" ", ".", "-", "_", " . ", "  ");

  it("a word spelt out with separators is caught", () => {
    fc.assert(
      fc.property(word, sep, (w, s) => {
        const set = new FilterSet([rule(w)]);
        expect(set.judge(`hello ${w.split("").join(s)} there`).action).toBe("block");
      }),
    );
  });

  it("a word with letters repeated is caught, and masked over exactly its letters", () => {
    fc.assert(
      fc.property(word, fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 8, maxLength: 8 }), (w, n) => {
        const stretched = w
          .split("")
          .map((c, i) => c.repeat(n[i] ?? 1))
          .join("");
        const set = new FilterSet([rule(w, "mask")]);
        const v = set.judge(`ok ${stretched}?`);
        expect(v).toMatchObject({ action: "mask", text: `ok ${"*".repeat(stretched.length)}?` });
      }),
    );
  });

  // What bypasses and their folding are made of: letters, separators, leet, invisible, wide, astral.
  const tricky = fc.constantFrom(
    ..."basd a.-_!$@1|",
    "\u200B",
    "\u0301",
    "ａ",
    "ｓ",
    "а",
    "ѕ",
    "𝐛",
    "😀",
    "ß",
    "ﬁ",
    "\n",
  );

  it("masking keeps every character it does not hide, and the length in code points", () => {
    const set = new FilterSet([rule("bad", "mask"), rule("ass", "mask")]);
    fc.assert(
      fc.property(fc.string({ unit: tricky, maxLength: 200 }), (text) => {
        const v = set.judge(text);
        const out = v.action === "mask" ? v.text : text;
        const a = [...text];
        const b = [...out];
        return b.length === a.length && b.every((c, i) => c === "*" || c === a[i]);
      }),
    );
  });

  it("take bounded time on hostile texts at the longest message", () => {
    const set = new FilterSet(Array.from({ length: 1000 }, (_, i) => rule(`a${"a".repeat(i % 7)}b${i}`)));
    for (const text of ["a ".repeat(2000), "a".repeat(4000), "a.".repeat(2000), "ab ".repeat(1333)]) {
      const t0 = performance.now();
      set.judge(text);
      expect(performance.now() - t0, text.slice(0, 6)).toBeLessThan(500);
    }
  });
});
