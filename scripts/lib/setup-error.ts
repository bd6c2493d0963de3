/**
 * A problem with the local set-up that one sentence explains (a taken port, an unreachable
 * database, a folder PostgreSQL cannot use): the scripts print its message without a stack trace.
 */
export class SetupError extends Error {
  override name = "SetupError";
}

/** Prints a SetupError as its sentence, anything else in full. */
export function explain(err: unknown): string {
  return err instanceof SetupError ? `\n  ✗ ${err.message}\n` : String((err as Error)?.stack ?? err);
}

/** Ends a script on `err`, explained as above. */
export function fail(err: unknown): never {
  console.error(explain(err));
  process.exit(1);
}
