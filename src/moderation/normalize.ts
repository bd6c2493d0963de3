import { CAPITAL_LOOKALIKES, LEET, LOOKALIKES } from "./confusables";

/**
 * Text as the filters see it, with a map back to the original: `from[i]`/`to[i]` are the
 * original UTF-16 range that produced `text[i]`, so a match on the folded text can be masked in
 * what was sent.
 */
export type Folded = { text: string; from: number[]; to: number[] };

/** Dropped before matching: zero-width and format characters, fillers that render as nothing. */
const INVISIBLE = /[\p{Cf}\p{M}\u115F\u1160\u3164\uFFA0\u2800]/u;

/**
 * One code point as the filters compare it: compatibility decomposition (full-width, ligatures,
 * mathematical and circled letters become plain ones), marks and invisible characters dropped,
 * lower case, look-alikes folded to Latin and, for word lists (`leet`), digits read as letters.
 */
function foldCodePoint(cp: string, leet: boolean): string {
  let out = "";
  for (const part of cp.normalize("NFKD")) {
    if (INVISIBLE.test(part)) continue;
    for (const lower of (CAPITAL_LOOKALIKES[part] ?? part).toLowerCase().normalize("NFKD")) {
      if (INVISIBLE.test(lower)) continue;
      const latin = LOOKALIKES[lower] ?? lower;
      out += leet ? [...latin].map((c) => LEET[c] ?? c).join("") : latin;
    }
  }
  return out;
}

/**
 * Folds `text` for matching (see `foldCodePoint`). Linear in the text: one pass, one bounded
 * expansion per code point (NFKD of one code point is at most 18 code points).
 */
export function fold(text: string, leet = false): Folded {
  const parts: string[] = [];
  const from: number[] = [];
  const to: number[] = [];
  let at = 0;
  for (const cp of text) {
    const folded = foldCodePoint(cp, leet);
    for (let i = 0; i < folded.length; i++) {
      from.push(at);
      to.push(at + cp.length);
    }
    parts.push(folded);
    at += cp.length;
  }
  return { text: parts.join(""), from, to };
}

/** A word list entry folded the way text is for word lists. */
export const foldWord = (word: string) => fold(word, true).text;

/** The original range a match on folded text `[start, end)` covers. */
export function originalRange(f: Folded, start: number, end: number): [number, number] {
  return [f.from[start] ?? 0, f.to[end - 1] ?? 0];
}
