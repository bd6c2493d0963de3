import { AppError } from "../../errors";
import { ClientFrame, type ServerFrame } from "../../protocol";
import { invalidText, requireStorable, storable } from "../../text";

export const frame = (f: ServerFrame) => JSON.stringify(f);

const encoder = new TextEncoder();
/** Whether the UTF-8 form is over `max` bytes; encodes only when the length cannot tell (≤ 3 bytes per unit). */
const exceedsBytes = (s: string, max: number) =>
  s.length > max || (s.length * 3 > max && encoder.encode(s).byteLength > max);

const frameError = (code: string, message: string) => new AppError(code, 400, message);

/**
 * Reads one client frame or throws the refusal. A frame whose first non-blank character is `{` is
 * JSON; anything else is plain text, sent as a message (clients of the original service do that).
 */
export function parseFrame(data: string | ArrayBuffer, maxBytes: number): ClientFrame {
  if (typeof data !== "string")
    throw frameError("binary_not_supported", "Send text frames (JSON or plain text)");
  if (exceedsBytes(data, maxBytes))
    throw frameError("frame_too_large", `Frames are limited to ${maxBytes} bytes`);
  if (!data.trimStart().startsWith("{")) {
    requireStorable(data, "content");
    return { type: "message.send", content: data };
  }
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    throw frameError("invalid_json", "Frame is not valid JSON");
  }
  const plain = plainSend(json);
  if (plain) return plain;
  requireStorable(json);
  const result = ClientFrame.safeParse(json);
  if (result.success) return result.data;
  const type = (json as { type?: unknown } | null)?.type;
  if (typeof type !== "string" || !ClientFrame.options.some((o) => o.shape.type.value === type)) {
    throw frameError("unknown_type", `Unknown frame type: ${String(type)}`);
  }
  const issues = result.error.issues.map((i) => `${i.path.join(".") || "frame"}: ${i.message}`).join("; ");
  throw frameError("invalid_frame", issues);
}

/**
 * The commonest frame, a send with nothing but its text, read without the schema (≈ a tenth of a
 * message's JavaScript): the same result as `ClientFrame.parse`; any other key (a `client_id`, a
 * `reply_to`, anything unknown) goes through the schema.
 */
function plainSend(json: unknown): ClientFrame | undefined {
  if (typeof json !== "object" || json === null) return undefined;
  const { type, content } = json as { type?: unknown; content?: unknown };
  if (type !== "message.send" || typeof content !== "string" || Object.keys(json).length !== 2)
    return undefined;
  // Its one free-form string is the content (the same refusal as `requireStorable` on the frame).
  if (!storable(content)) throw invalidText("content");
  return { type, content };
}

/**
 * Splits a socket's queue into batches of at most `maxChars` UTF-16 units (a frame longer than
 * that is a batch of one). Without the bound one replay of large
 * messages became a single 48 MB string in the room's isolate.
 */
export function bounded(queue: string[], maxChars: number): string[][] {
  const batches: string[][] = [];
  let batch: string[] = [];
  let size = 2;
  for (const data of queue) {
    if (batch.length > 0 && size + data.length + 1 > maxChars) {
      batches.push(batch);
      batch = [];
      size = 2;
    }
    batch.push(data);
    size += data.length + 1;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

/** A batching socket's queue and the frames it became. */
export type Batched = { queue: string[]; frames: string[] };

/**
 * The frames for a batching socket's queue (`bounded`, each batch a JSON array). `last` is the
 * previous socket's of the same flush: a broadcast's receivers queue the very same strings, so
 * their frames are joined once, not once per receiver (a sender's queue, with its ack, differs).
 */
export function batchFrames(queue: string[], maxChars: number, last?: Batched): Batched {
  if (last && sameFrames(last.queue, queue)) return last;
  const frames = bounded(queue, maxChars).map((b) =>
    b.length === 1 ? (b[0] as string) : `[${b.join(",")}]`,
  );
  return { queue, frames };
}

function sameFrames(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
