import type { Folded } from "./normalize";

/**
 * Folded text with the two cheapest bypasses of a word list undone: letters spaced out
 * ("b a d", "b.a.d", "b-a-d") joined, and repeated letters ("baaaad") squeezed to one, each
 * remembering how many it stood for (`counts`). `from`/`to` map every character back to the
 * original text (as `Folded` does), so a match still masks exactly what was sent.
 *
 * Units: each maximal run of letters is one unit; a run of at least two single letters separated
 * by at most `MAX_GAP` non-letters is one *spaced* unit. Units are separated by one space.
 */
export type Squeezed = {
  text: string;
  counts: number[];
  from: number[];
  to: number[];
  /** Per character: the index of its unit in `units` (-1 for a separating space). */
  unit: number[];
  units: Array<{ start: number; end: number; spaced: boolean }>;
};

/** Longest separator between spaced-out letters ("b . a . d" is three). */
const MAX_GAP = 3;
const letter = /[\p{L}\p{N}]/u;

type Token = { start: number; end: number };

/** Maximal runs of letters in the folded text (UTF-16 ranges). */
function tokens(text: string): Token[] {
  const out: Token[] = [];
  let start = -1;
  let at = 0;
  for (const cp of text) {
    if (letter.test(cp)) {
      if (start < 0) start = at;
    } else if (start >= 0) {
      out.push({ start, end: at });
      start = -1;
    }
    at += cp.length;
  }
  if (start >= 0) out.push({ start, end: at });
  return out;
}

/** A token of exactly one code point. */
const single = (text: string, t: Token) =>
  t.end - t.start === ((text.codePointAt(t.start) ?? 0) > 0xffff ? 2 : 1);

/** Groups tokens into units: a run of ≥ 2 single letters with short gaps becomes one spaced unit. */
function units(text: string, ts: Token[]): Array<{ parts: Token[]; spaced: boolean }> {
  const out: Array<{ parts: Token[]; spaced: boolean }> = [];
  for (let i = 0; i < ts.length; ) {
    let j = i;
    while (
      j + 1 < ts.length &&
      single(text, ts[j] as Token) &&
      single(text, ts[j + 1] as Token) &&
      (ts[j + 1] as Token).start - (ts[j] as Token).end <= MAX_GAP
    )
      j++;
    out.push({ parts: ts.slice(i, j + 1), spaced: j > i });
    i = j + 1;
  }
  return out;
}

/** Squeezes folded text (see `Squeezed`). Linear in the text. */
export function squeeze(f: Folded): Squeezed {
  const s: Squeezed = { text: "", counts: [], from: [], to: [], unit: [], units: [] };
  const chars: string[] = [];
  const push = (ch: string, from: number, to: number, unit: number) => {
    chars.push(ch);
    s.counts.push(1);
    s.from.push(from);
    s.to.push(to);
    s.unit.push(unit);
  };
  let prevEnd = 0;
  for (const u of units(f.text, tokens(f.text))) {
    const first = u.parts[0]?.start ?? 0;
    if (s.units.length > 0) push(" ", f.to[prevEnd - 1] ?? 0, f.from[first] ?? 0, -1);
    const id = s.units.length;
    const start = chars.length;
    for (const part of u.parts) {
      for (let i = part.start; i < part.end; i++) {
        const ch = f.text[i] as string;
        const last = chars.length - 1;
        // Surrogate halves are never squeezed (two different letters may share a high half).
        const repeat = last >= start && chars[last] === ch && !/[\uD800-\uDFFF]/.test(ch);
        if (repeat) {
          s.counts[last] = (s.counts[last] ?? 1) + 1;
          s.to[last] = f.to[i] ?? 0;
        } else push(ch, f.from[i] ?? 0, f.to[i] ?? 0, id);
      }
      prevEnd = part.end;
    }
    s.units.push({ start, end: chars.length, spaced: u.spaced });
  }
  s.text = chars.join("");
  return s;
}

/**
 * Whether a match of squeezed word `w` at `[start, end)` of `s` stands: each letter repeated at
 * least as often as in the word ("as" is not "ass"), and either inside ordinary units (the caller
 * then checks word boundaries in the original) or covering one spaced unit exactly ("c l a s s"
 * is not "ass"). Returns "word" (check boundaries), "spaced" (stands) or null.
 */
export function stands(s: Squeezed, w: Squeezed, start: number, end: number): "word" | "spaced" | null {
  for (let i = start; i < end; i++) {
    if ((s.counts[i] ?? 0) < (w.counts[i - start] ?? 1)) return null;
  }
  const first = s.unit[start] ?? -1;
  const last = s.unit[end - 1] ?? -1;
  if (first < 0 || last < 0) return null;
  const touched = s.units.slice(first, last + 1);
  if (!touched.some((u) => u.spaced)) return "word";
  const u = s.units[first];
  return first === last && u?.start === start && u.end === end ? "spaced" : null;
}
