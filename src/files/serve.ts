import type { UploadRow } from "../db/files-schema";
import { AppError } from "../errors";
import { type ByteRange, parseRange } from "./range";
import { servedInline } from "./types";

/** RFC 6266 / 8187: an ASCII fallback and the exact UTF-8 name. */
function disposition(type: string, name: string): string {
  const kind = servedInline(type) ? "inline" : "attachment";
  const ascii = name.replace(/[^\x20-\x7e]|["\\%]/g, "_");
  const exact = encodeURIComponent(name).replace(
    /['()*]/g,
    (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${exact}`;
}

/**
 * Headers of every download. The file is never a page on this origin: nosniff, a sandboxing CSP,
 * and `attachment` for anything but pictures and media. Caching: `private, no-cache` — a
 * browser may keep the bytes but must ask again before each use (answered 304 by ETag after
 * the access check), so a cached copy is never shown past the user's access, and no shared
 * cache stores it (it needs a bearer token anyway).
 */
export function fileHeaders(row: UploadRow): Headers {
  return new Headers({
    "content-type": row.type === "text/plain" ? "text/plain; charset=utf-8" : row.type,
    "content-disposition": disposition(row.type, row.name),
    "x-content-type-options": "nosniff",
    "content-security-policy": "default-src 'none'; sandbox",
    "cache-control": "private, no-cache",
    vary: "Authorization",
    etag: `"${row.id}"`,
    "accept-ranges": "bytes",
  });
}

const matches = (header: string | null, etag: string) =>
  (header ?? "").split(",").some((t) => t.trim().replace(/^W\//, "") === etag || t.trim() === "*");

/** The range to send: none when If-Range names another version (the file never changes, but be exact). */
function wantedRange(row: UploadRow, req: Headers): ByteRange | null | "unsatisfiable" {
  const ifRange = req.get("if-range");
  if (ifRange !== null && ifRange !== `"${row.id}"`) return null;
  return parseRange(req.get("range"), row.size);
}

/** The file's bytes (or part of them) for a reader whose access was checked just now. */
export async function serveFile(bucket: R2Bucket, row: UploadRow, req: Headers): Promise<Response> {
  const headers = fileHeaders(row);
  if (matches(req.get("if-none-match"), `"${row.id}"`)) return new Response(null, { status: 304, headers });
  const range = wantedRange(row, req);
  if (range === "unsatisfiable") {
    const err = new AppError("range_not_satisfiable", 416, `The file has ${row.size} bytes`);
    return Response.json(err.toJSON(), { status: 416, headers: { "content-range": `bytes */${row.size}` } });
  }
  const object = await bucket.get(row.id, range ? { range } : {});
  if (!object) {
    console.error(`upload ${row.id} has no blob in R2`);
    throw new AppError("file_not_found", 404, "No such file");
  }
  headers.set("content-length", String(range ? range.length : row.size));
  if (!range) return new Response(object.body, { status: 200, headers });
  headers.set("content-range", `bytes ${range.offset}-${range.offset + range.length - 1}/${row.size}`);
  return new Response(object.body, { status: 206, headers });
}
