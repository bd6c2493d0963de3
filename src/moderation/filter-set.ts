import AhoCorasick from "modern-ahocorasick";
import { fold, originalRange } from "./normalize";
import { type CompiledPattern, compilePattern, patternRanges } from "./patterns";
import { type Squeezed, squeeze, stands } from "./squeeze";

export type FilterAction = "block" | "mask" | "flag";
export type FilterKind = "word" | "pattern";

/** A filter as stored: a room's (`room_id`) or the global list's (`room_id` null). */
export type FilterRule = {
  id: number;
  room_id: number | null;
  kind: FilterKind;
  value: string;
  action: FilterAction;
};

/** What the filters make of one message. */
export type Verdict =
  | { action: "allow"; text: string; flagged: FilterRule[] }
  | { action: "block"; rule: FilterRule }
  | { action: "mask"; text: string; rules: FilterRule[]; flagged: FilterRule[] };

const MASK = "*";
const wordChar = /[\p{L}\p{N}]/u;

type Hit = { rule: FilterRule; range: [number, number] };
type Word = { rule: FilterRule; word: Squeezed };

/**
 * One room's filters (its own and the global list), compiled once and reused for every message.
 * Words are matched as whole words, on text folded with look-alikes and leetspeak (normalize.ts)
 * then squeezed (squeeze.ts: "b a d" and "baaaad" read "bad"; the word is squeezed the same way,
 * and a match must repeat each letter at least as often as the word: "as" is not "ass"), by one
 * Aho–Corasick automaton: linear in the text whatever the number of words. Patterns run
 * on text folded without leetspeak (they may mean digits), each in linear time (patterns.ts).
 * With the text bounded (`MESSAGE_MAX_CHARS`) and patterns bounded in number and length, the
 * cost of filtering one message is bounded.
 */
export class FilterSet {
  private readonly words: AhoCorasick<Word> | null;
  private readonly patterns: Array<{ rule: FilterRule; compiled: CompiledPattern }>;

  constructor(readonly rules: readonly FilterRule[]) {
    const words = rules
      .filter((r) => r.kind === "word")
      .map((rule) => ({ rule, word: squeeze(fold(rule.value, true)) }))
      .filter((w) => w.word.text.length > 0);
    this.words = words.length ? new AhoCorasick(words.map((w) => ({ pattern: w.word.text, data: w }))) : null;
    this.patterns = [];
    for (const rule of rules.filter((r) => r.kind === "pattern")) {
      try {
        this.patterns.push({ rule, compiled: compilePattern(rule.value) });
      } catch {
        // Checked at creation; a stored pattern that no longer compiles is skipped, never fatal.
      }
    }
  }

  get empty(): boolean {
    return this.rules.length === 0;
  }

  /** Block wins over mask, mask over flag; a masked text hides every masked word or pattern. */
  judge(text: string): Verdict {
    if (this.empty) return { action: "allow", text, flagged: [] };
    const hits = this.hits(text);
    const block = hits.find((h) => h.rule.action === "block");
    if (block) return { action: "block", rule: block.rule };
    const flagged = unique(hits.filter((h) => h.rule.action === "flag").map((h) => h.rule));
    const masks = hits.filter((h) => h.rule.action === "mask");
    if (masks.length === 0) return { action: "allow", text, flagged };
    const rules = unique(masks.map((h) => h.rule));
    return {
      action: "mask",
      text: mask(
        text,
        masks.map((h) => h.range),
      ),
      rules,
      flagged,
    };
  }

  private hits(text: string): Hit[] {
    const hits: Hit[] = [];
    if (this.words) {
      const squeezed = squeeze(fold(text, true));
      for (const m of this.words.iterate(squeezed.text)) {
        if (!m.data) continue;
        const verdict = stands(squeezed, m.data.word, m.start, m.end);
        const range = originalRange(squeezed, m.start, m.end);
        if (verdict === "spaced" || (verdict === "word" && wholeWord(text, range)))
          hits.push({ rule: m.data.rule, range });
      }
    }
    if (this.patterns.length) {
      const plain = fold(text);
      for (const { rule, compiled } of this.patterns) {
        for (const [s, e] of patternRanges(compiled, plain.text)) {
          hits.push({ rule, range: originalRange(plain, s, e) });
        }
      }
    }
    return hits;
  }
}

/**
 * A word hit counts only between non-letters of what was sent ("ass" must not hit "class"). The
 * original text decides, not the folded one, where `!` or `$` may have become a letter.
 */
function wholeWord(text: string, [start, end]: [number, number]): boolean {
  const before = String.fromCodePoint(text.codePointAt(start - 1) ?? 32);
  const after = String.fromCodePoint(text.codePointAt(end) ?? 32);
  return !wordChar.test(before) && !wordChar.test(after);
}

/** Replaces each original range with one `*` per code point (ranges may overlap). */
export function mask(text: string, ranges: Array<[number, number]>): string {
  const covered = new Uint8Array(text.length);
  for (const [s, e] of ranges) covered.fill(1, s, e);
  let out = "";
  let at = 0;
  for (const cp of text) {
    const hidden = covered[at] === 1;
    out += hidden ? MASK : cp;
    at += cp.length;
  }
  return out;
}

const unique = (rules: FilterRule[]) => [...new Map(rules.map((r) => [r.id, r])).values()];
