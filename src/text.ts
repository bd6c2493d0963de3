import { AppError } from "./errors";

/**
 * The one rule for text that enters the service (every field of every route and frame): it must
 * be storable by PostgreSQL and deliverable byte-for-byte to every client. U+0000 is refused by
 * PostgreSQL's text type; a lone surrogate has no UTF-8 form, so each encoder would replace it
 * with something else (one U+FFFD on a socket, three in the database). Refused, never rewritten:
 * what the sender is acked is then exactly what everyone receives and what history returns.
 */
export const storable = (s: string) => !s.includes("\0") && s.isWellFormed();

/** The path of the first string (or object key) in `value` that is not storable, or null. */
export function unstorableAt(value: unknown, path = ""): string | null {
  if (typeof value === "string") return storable(value) ? null : path || "value";
  if (typeof value !== "object" || value === null) return null;
  for (const [key, v] of Object.entries(value)) {
    const here = path ? `${path}.${key}` : key;
    if (!storable(key)) return here;
    const found = unstorableAt(v, here);
    if (found) return found;
  }
  return null;
}

export const invalidText = (where: string) =>
  new AppError(
    "invalid_text",
    422,
    `${where} contains text that cannot be stored (U+0000 or a lone UTF-16 surrogate)`,
    [{ path: where, message: "U+0000 and lone surrogates are not allowed" }],
  );

/** Throws `invalid_text` (422) naming the field if anything in `value` is not storable. */
export function requireStorable(value: unknown, prefix = "") {
  const at = unstorableAt(value, prefix);
  if (at) throw invalidText(at);
}
