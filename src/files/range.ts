/** One byte range of a file, as R2's `get` takes it. */
export type ByteRange = { offset: number; length: number };

/**
 * A `Range: bytes=…` header against a file of `size` bytes (RFC 9110 §14): one range, or null to
 * send the whole file (no header, a malformed one, several ranges: all allowed to be ignored),
 * or "unsatisfiable" (416).
 */
export function parseRange(
  header: string | null | undefined,
  size: number,
): ByteRange | null | "unsatisfiable" {
  const m = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!m) return null;
  const [, first = "", last = ""] = m;
  if (first === "" && last === "") return null;
  if (first === "") {
    const suffix = Math.min(Number(last), size);
    return suffix === 0 ? "unsatisfiable" : { offset: size - suffix, length: suffix };
  }
  const start = Number(first);
  if (start >= size) return "unsatisfiable";
  const end = last === "" ? size - 1 : Math.min(Number(last), size - 1);
  if (end < start) return null;
  return { offset: start, length: end - start + 1 };
}
