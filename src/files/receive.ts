import { ulid } from "ulidx";
import type { UserScope } from "../context";
import { AppError } from "../errors";
import type { UploadOut } from "./attachment";
import { readHead, rejoin } from "./body";
import { HEAD_BYTES, type Sniffed, sniff } from "./sniff";
import { fileSweeper } from "./sweeper";
import { storedName } from "./types";
import { forget, markReady, reserve, toUploadOut } from "./uploads";

export type IncomingFile = {
  body: ReadableStream<Uint8Array> | null;
  /** The request's Content-Length; null when the client sent none (chunked). */
  length: number | null;
  /** The request's Content-Type: ignored for the file's type (sniffed), but a form is refused. */
  contentType: string | null;
  name: string;
};

/**
 * A browser's `<form>` or `FormData` sends `multipart/form-data`: storing that would keep the
 * form's boundaries and headers as the "file" (sniffed as text). Uploads are the raw bytes.
 */
function refuseForm(contentType: string | null) {
  if (contentType?.trim().toLowerCase().startsWith("multipart/"))
    throw new AppError(
      "multipart_not_supported",
      415,
      "Send the file itself as the request body (e.g. fetch(url, { body: file })), not a multipart form",
    );
}

function checkLength(length: number | null, max: number): number {
  if (length === null || !Number.isSafeInteger(length) || length < 0)
    throw new AppError("length_required", 411, "Send the file with a Content-Length header");
  if (length === 0) throw new AppError("empty_file", 422, "The file is empty");
  if (length > max)
    throw new AppError("file_too_large", 413, `Files may be at most ${max} bytes`, { max_bytes: max });
  return length;
}

function checkType(sniffed: Sniffed, allowed: Set<string>) {
  if (!allowed.has(sniffed.type))
    throw new AppError("unsupported_file_type", 422, `Files of type ${sniffed.type} are not accepted`, {
      type: sniffed.type,
    });
}

/**
 * An upload, streamed through the worker: its size is checked from Content-Length before a byte
 * is read, its type sniffed from the first bytes before anything is stored, the quota reserved
 * in PostgreSQL, and only then are the bytes piped to R2. The sweeper is told when the upload
 * expires unless a message claims it.
 */
export async function receiveUpload(s: UserScope, file: IncomingFile): Promise<UploadOut> {
  const { db, env, config, user } = s;
  refuseForm(file.contentType);
  const length = checkLength(file.length, config.FILES_MAX_BYTES);
  if (!file.body) throw new AppError("empty_file", 422, "The file is empty");
  const reader = file.body.getReader();
  try {
    const head = await readHead(reader, Math.min(HEAD_BYTES, length)).catch(incomplete);
    const sniffed = await sniff(head);
    checkType(sniffed, config.FILES_ALLOWED_TYPES);
    const { type, width, height } = sniffed;
    const name = storedName(file.name, type, sniffed.ext);
    const row = await reserve(db, config, {
      id: ulid(),
      userId: user.id,
      name,
      type,
      size: length,
      width,
      height,
    });
    try {
      await env.FILES.put(row.id, rejoin(head, reader, length), { httpMetadata: { contentType: type } });
    } catch (err) {
      await forget(db, row.id);
      await fileSweeper(env).kick();
      return incomplete(err);
    }
    const ready = await markReady(db, row.id);
    const ttl = config.FILES_UNATTACHED_TTL_SECONDS;
    await fileSweeper(env).expect(ready.createdAt.getTime() + ttl * 1000);
    return toUploadOut(ready, ttl);
  } finally {
    reader.cancel().catch(() => {});
  }
}

function incomplete(err: unknown): never {
  console.warn("upload incomplete:", err instanceof Error ? err.message : err);
  throw new AppError("upload_incomplete", 400, "The upload ended before Content-Length bytes arrived");
}
