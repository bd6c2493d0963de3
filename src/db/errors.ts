import { DrizzleQueryError } from "drizzle-orm/errors";

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

/** A connection to PostgreSQL could not be opened (`openDb` wraps the pool's failures in it). */
export class DatabaseUnreachable extends Error {
  constructor(cause: unknown) {
    super("PostgreSQL could not be reached", { cause });
    this.name = "DatabaseUnreachable";
  }
}

/**
 * Not the client's fault: PostgreSQL answered with class 08 (connection), 53 (resources) or 57P03
 * (starting up), or it did not answer at all: no connection (`DatabaseUnreachable`), or a query
 * that failed without any SQLSTATE (the driver's socket refused, dropped or closed). Decided by
 * type and SQLSTATE, never by an error's text.
 */
export function databaseUnavailable(err: unknown): boolean {
  const code = pgError(err)?.code;
  if (code) return code.startsWith("08") || code.startsWith("53") || code === "57P03";
  return err instanceof DatabaseUnreachable || err instanceof DrizzleQueryError;
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
