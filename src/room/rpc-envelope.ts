import { AppError, type Refusal, toAppError } from "../errors";

/**
 * What a room's RPC method answers. The runtime keeps only an Error's message across RPC, so a
 * refusal travels as plain data and becomes an AppError again on the worker's side (`unwrap`).
 */
export type Reply<T> = { ok: true; value: T } | { ok: false; refusal: Refusal };

/** Runs `work` in the room: its value, or the refusal it threw. */
export async function replyOf<T>(work: () => Promise<T>): Promise<Reply<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (err) {
    return { ok: false, refusal: toAppError(err).toRefusal() };
  }
}

/** On the worker's side: the value, or the refusal thrown as the one error type. */
export async function unwrap<T>(reply: Promise<Reply<T>>): Promise<T> {
  const r = await reply;
  if (!r.ok) throw AppError.from(r.refusal);
  return r.value;
}
