/**
 * Log lines a test causes on purpose (a database taken down, a write made to fail) and says it
 * expects, so that `npm test` shows only what nobody expected. Declared inside the test:
 *
 *   expectLogs(/outbox: room \d+: copy failed/, /database unavailable/);
 *
 * test/setup.ts installs the filter: a console line matching a pattern of the running test is
 * dropped and counted; every other line is printed as usual. Patterns end with the test.
 */
const patterns: RegExp[] = [];
let dropped = 0;

export function expectLogs(...lines: RegExp[]) {
  patterns.push(...lines);
}

/** True when the line is expected by the running test (then it is counted, not printed). */
export function isExpected(args: unknown[]): boolean {
  if (patterns.length === 0) return false;
  const text = args.map((a) => (a instanceof Error ? `${a.message}` : String(a))).join(" ");
  if (!patterns.some((p) => p.test(text))) return false;
  dropped += 1;
  return true;
}

/** Ends the running test's expectations; returns how many lines they kept out of the output. */
export function endExpectations(): number {
  patterns.length = 0;
  const n = dropped;
  dropped = 0;
  return n;
}
