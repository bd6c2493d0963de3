import { RE2JS } from "re2js";
import safeRegex from "safe-regex2";
import { AppError } from "../errors";

/** Longest pattern source accepted (characters). */
export const PATTERN_MAX_CHARS = 200;

/**
 * A pattern compiled for matching folded text (lower case, look-alikes folded: see normalize.ts).
 * Matching runs on RE2 (re2js), whose automaton never backtracks: time is linear in the text
 * for a given pattern, whatever the pattern. Patterns are refused at creation when a
 * backtracking engine could take exponential time on them (safe-regex2's star-height check):
 * the same rule a client or an export to another engine would need, and a clear answer for the
 * admin who wrote `(a+)+`.
 */
export type CompiledPattern = { source: string; re: RE2JS };

const refused = (message: string) => new AppError("unsafe_pattern", 422, message);

/** Compiles a filter pattern or throws `unsafe_pattern` (422) saying why it was refused. */
export function compilePattern(source: string): CompiledPattern {
  if (source.length === 0 || source.length > PATTERN_MAX_CHARS) {
    throw refused(`A pattern must have 1 to ${PATTERN_MAX_CHARS} characters`);
  }
  let safe = false;
  try {
    safe = safeRegex(source);
  } catch {
    safe = false;
  }
  if (!safe) {
    throw refused("The pattern could backtrack catastrophically (nested or overlapping repetition)");
  }
  try {
    return { source, re: RE2JS.compile(source, RE2JS.CASE_INSENSITIVE) };
  } catch (err) {
    // RE2 has no backreferences or lookaround: both are what make matching non-linear.
    throw refused(`The pattern is not valid RE2 syntax: ${err instanceof Error ? err.message : err}`);
  }
}

/** Every non-overlapping match of `p` in `text`, as `[start, end)` ranges; empty matches skipped. */
export function patternRanges(p: CompiledPattern, text: string): Array<[number, number]> {
  const m = p.re.matcher(text);
  const found: Array<[number, number]> = [];
  while (m.find()) {
    if (m.end() > m.start()) found.push([m.start(), m.end()]);
  }
  return found;
}
