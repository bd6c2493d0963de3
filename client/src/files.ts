/**
 * Uploading and downloading files (`POST /files`, `GET /files/{id}`), to attach to messages.
 * Type-only imports from the server's protocol module, like frames.ts.
 */
import type { Attachment, Upload } from "../../src/protocol/frames";

export type { Attachment, Upload };

/** How far an upload has got: bytes sent of the total. */
export type UploadProgress = { loaded: number; total: number };

export type UploadOptions = {
  /** The file's name; a browser `File` brings its own. */
  name?: string;
  /**
   * Called as bytes leave. In browsers (XMLHttpRequest) while the upload runs; in Node and Workers,
   * whose `fetch` reports no upload progress, once with `loaded === total` when it is done.
   */
  onProgress?: (p: UploadProgress) => void;
  signal?: AbortSignal;
};

/** What the upload helpers need of the API client: where, and whose token. */
export type FileEndpoint = { baseUrl: string; token: string | null };

/** A refused call as the server answered it (`{ error: { code, message, details } }`). */
export type RefusalBody = { status: number; code: string; message: string; details?: unknown };

const refusal = (status: number, text: string, statusText: string): RefusalBody => {
  let e: { code?: string; message?: string; details?: unknown } = {};
  try {
    e = (JSON.parse(text) as { error?: typeof e }).error ?? {};
  } catch {}
  return { status, code: e.code ?? "http_error", message: e.message ?? statusText, details: e.details };
};

/** Browsers: XMLHttpRequest, the one web API that reports upload progress. */
function viaXhr(url: URL, token: string | null, body: Blob, o: UploadOptions): Promise<Upload | RefusalBody> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    if (token) xhr.setRequestHeader("authorization", `Bearer ${token}`);
    xhr.upload.onprogress = (e) =>
      o.onProgress?.({ loaded: e.loaded, total: e.lengthComputable ? e.total : body.size });
    xhr.onload = () =>
      resolve(
        xhr.status === 201
          ? (JSON.parse(xhr.responseText) as Upload)
          : refusal(xhr.status, xhr.responseText, xhr.statusText),
      );
    xhr.onerror = () => reject(new Error("upload failed: network error"));
    xhr.onabort = () => reject(new DOMException("upload aborted", "AbortError"));
    o.signal?.addEventListener("abort", () => xhr.abort(), { once: true });
    xhr.send(body);
  });
}

/** Node and Workers: fetch with a Blob body, so that the request has a Content-Length. */
async function viaFetch(
  url: URL,
  token: string | null,
  body: Blob,
  o: UploadOptions,
): Promise<Upload | RefusalBody> {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const res = await fetch(url, { method: "POST", headers, body, ...(o.signal && { signal: o.signal }) });
  const text = await res.text();
  if (res.status !== 201) return refusal(res.status, text, res.statusText);
  o.onProgress?.({ loaded: body.size, total: body.size });
  return JSON.parse(text) as Upload;
}

/**
 * Uploads a file; resolves with the upload (attach it by `id`), or with the refusal
 * (`413 file_too_large`, `quota_exceeded`, `422 unsupported_file_type`, …) for the caller to throw.
 */
export function sendFile(
  to: FileEndpoint,
  file: Blob | Uint8Array<ArrayBuffer>,
  o: UploadOptions = {},
): Promise<Upload | RefusalBody> {
  const body = file instanceof Blob ? file : new Blob([file]);
  const name = o.name ?? (typeof File !== "undefined" && file instanceof File ? file.name : "file");
  const url = new URL(`/files?${new URLSearchParams({ name })}`, to.baseUrl);
  return typeof XMLHttpRequest === "undefined"
    ? viaFetch(url, to.token, body, o)
    : viaXhr(url, to.token, body, o);
}

/** Downloads a file with the token (there is no token in a file's URL): a Blob, e.g. for `URL.createObjectURL`. */
export async function fetchFile(to: FileEndpoint, id: string): Promise<Blob | RefusalBody> {
  const headers: Record<string, string> = to.token ? { authorization: `Bearer ${to.token}` } : {};
  const res = await fetch(new URL(`/files/${encodeURIComponent(id)}`, to.baseUrl), { headers });
  if (!res.ok) return refusal(res.status, await res.text(), res.statusText);
  return res.blob();
}
