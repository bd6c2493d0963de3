/** The PostgreSQL error behind `err` (drizzle wraps driver errors in `cause`), if any. */
export function pgError(err: unknown): { code: string; constraint?: string } | undefined {
  let e: unknown = err;
  for (let i = 0; i < 3 && e && typeof e === "object"; i++) {
    const rec = e as { code?: unknown; constraint?: unknown; cause?: unknown };
    if (typeof rec.code === "string" && /^[0-9A-Z]{5}$/.test(rec.code)) {
      return { code: rec.code, ...(typeof rec.constraint === "string" && { constraint: rec.constraint }) };
    }
    e = rec.cause;
  }
  return undefined;
}

/** The constraint name of a unique_violation (23505), or undefined for any other error. */
export function uniqueViolation(err: unknown): string | undefined {
  const pg = pgError(err);
  return pg?.code === "23505" ? (pg.constraint ?? "") : undefined;
}

/** Connection failures and PostgreSQL's classes 08 (connection) and 53 (resources): not the client's fault. */
export function databaseUnavailable(err: unknown): boolean {
  const code = pgError(err)?.code;
  if (code) return code.startsWith("08") || code.startsWith("53") || code === "57P03";
  return /Connection terminated|connection lost|ECONNREFUSED|ECONNRESET|WebSocket|fetch failed/i.test(
    errorText(err),
  );
}

/**
 * Whether PostgreSQL refused the rows themselves (class 22: data exception, e.g. a byte sequence
 * it cannot store; class 23: integrity, e.g. a check), so that retrying the same rows can never
 * succeed. The outbox then isolates the offending event instead of retrying forever.
 */
export function refusedForData(err: unknown): boolean {
  const code = pgError(err)?.code;
  return code !== undefined && (code.startsWith("22") || code.startsWith("23"));
}

/** The messages along an error's cause chain (the driver's causes are often ErrorEvents). */
export function errorText(err: unknown): string {
  const out: string[] = [];
  let e: unknown = err;
  for (let i = 0; i < 4 && e; i++) {
    out.push(String((e as { message?: unknown }).message ?? e));
    e = (e as { cause?: unknown }).cause;
  }
  return out.join(" | ");
}
