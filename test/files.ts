import { env, exports } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { expect } from "vitest";
import type { UploadOut } from "../src/files/attachment";
import { eventually, type TestUser, withTestDb } from "./helpers";
import type { ErrorBody } from "./types";

export type Upload = UploadOut;

type UploadOptions = { name?: string; contentType?: string; length?: number | null; token?: string };

/** POSTs `bytes` as an upload, with a Content-Length unless `length: null` (a chunked body). */
export async function upload<T = Upload>(user: TestUser, bytes: Uint8Array, o: UploadOptions = {}) {
  const headers = new Headers({ authorization: `Bearer ${o.token ?? user.token}` });
  if (o.contentType) headers.set("content-type", o.contentType);
  let body: BodyInit = bytes;
  // A stream the runtime cannot measure goes out chunked, without Content-Length.
  if (o.length === null)
    body = new ReadableStream({
      pull(c) {
        c.enqueue(bytes);
        c.close();
      },
    });
  else headers.set("content-length", String(o.length ?? bytes.length));
  const query = new URLSearchParams({ name: o.name ?? "file.bin" });
  const res = await exports.default.fetch(
    new Request(`http://roomcast.test/files?${query}`, { method: "POST", headers, body }),
  );
  const text = await res.text();
  const parsed = text ? JSON.parse(text) : null;
  if (res.status === 201) made.add(parsed.id);
  return { status: res.status, body: parsed as T, headers: res.headers };
}

/** Every upload this test file made (R2 is per test file, PostgreSQL shared by all). */
const made = new Set<string>();

/** Uploads and expects 201. */
export async function uploaded(user: TestUser, bytes: Uint8Array, o: UploadOptions = {}): Promise<Upload> {
  const res = await upload<Upload | ErrorBody>(user, bytes, o);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as Upload;
}

/** GET /files/{id} as `user`, the body as bytes. */
export async function download(user: TestUser | null, id: string, headers: Record<string, string> = {}) {
  const h = new Headers(headers);
  if (user) h.set("authorization", `Bearer ${user.token}`);
  const res = await exports.default.fetch(new Request(`http://roomcast.test/files/${id}`, { headers: h }));
  return { status: res.status, headers: res.headers, bytes: new Uint8Array(await res.arrayBuffer()) };
}

/** Every key in the bucket. */
export async function blobKeys(): Promise<string[]> {
  const keys: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await env.FILES.list({ limit: 1000, ...(cursor && { cursor }) });
    keys.push(...page.objects.map((o) => o.key));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return keys.sort();
}

/** Every upload PostgreSQL knows. */
export const uploadIds = () =>
  withTestDb(async (db) => {
    const r = await db.execute(sql`select id from uploads order by id`);
    return (r as unknown as { rows: { id: string }[] }).rows.map((row) => row.id);
  });

/**
 * Nothing orphaned: once the sweeper has drained its queue, the bucket (this test file's own)
 * holds exactly the blobs of this file's uploads that PostgreSQL still knows, no more, no fewer.
 */
export async function expectNoOrphans() {
  await eventually(async () => {
    const [keys, ids, queued] = await Promise.all([blobKeys(), uploadIds(), queuedBlobs()]);
    const mine = ids.filter((id) => made.has(id));
    expect({ keys, queued: queued.filter((k) => made.has(k)) }).toEqual({ keys: mine, queued: [] });
  }, 15_000);
}

/** The blobs waiting to be deleted from R2. */
export const queuedBlobs = () =>
  withTestDb(async (db) => {
    const r = await db.execute(sql`select key from blob_deletions`);
    return (r as unknown as { rows: { key: string }[] }).rows.map((row) => row.key);
  });

/** Moves an upload's creation back in time, as if it had waited `seconds`. */
export const ageUpload = (id: string, seconds: number) =>
  withTestDb((db) =>
    db.execute(
      sql`update uploads set created_at = created_at - make_interval(secs => ${seconds}) where id = ${id}`,
    ),
  );
