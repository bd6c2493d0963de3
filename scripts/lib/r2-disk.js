// A local R2 bucket on disk, for `npm start` (plain workerd has R2 bindings but no R2 behind them:
// workerd turns each R2 call into an HTTP request to the service the binding names). This worker
// is that service. It speaks the runtime's R2 binding protocol (the request's JSON in the
// `cf-r2-request` header for reads, prefixed to the body for writes, `cf-r2-metadata-size` in
// front of an answer's body) for the operations Roomcast uses: head, get (with ranges), put,
// delete (one key or many) and list (prefix, limit, cursor). Objects live in the disk service
// DISK: `<hex key>.bin` holds the bytes, `<hex key>.json` the metadata, written after the
// bytes, so a half-written object is never visible. Anything else is answered with R2's
// "internal error" rather than guessed at.

const NO_SUCH_KEY = 10007;
const INVALID_RANGE = 10039;
const INTERNAL = 10001;

const enc = new TextEncoder();
const hex = (key) => Array.from(enc.encode(key), (b) => b.toString(16).padStart(2, "0")).join("");
const unhex = (h) =>
  new TextDecoder().decode(new Uint8Array(h.match(/../g).map((b) => Number.parseInt(b, 16))));
const url = (name) => `http://disk/${name}`;

function failure(status, v4code, message) {
  return new Response(null, {
    status,
    headers: { "cf-r2-error": JSON.stringify({ version: 1, v4code, message }) },
  });
}

/** An answer: the object's metadata JSON, then (for a get) its bytes. */
function answer(meta, body = null, bodyLength = 0) {
  const json = enc.encode(JSON.stringify(meta));
  const headers = { "cf-r2-metadata-size": String(json.length), "content-type": "application/json" };
  if (body === null) return new Response(json, { headers });
  const { readable, writable } = new FixedLengthStream(json.length + bodyLength);
  (async () => {
    const w = writable.getWriter();
    await w.write(json);
    w.releaseLock();
    await body.pipeTo(writable);
  })().catch((err) => console.error("r2-disk: streaming failed", err));
  return new Response(readable, { headers });
}

async function readMeta(env, key) {
  const res = await env.DISK.fetch(url(`${hex(key)}.json`));
  return res.ok ? res.json() : null;
}

/** The byte range a get asks for, or null for all of it; "invalid" as R2 would refuse it. */
function rangeOf(range, size) {
  if (!range) return null;
  let offset = range.offset === undefined ? undefined : Number(range.offset);
  let length = range.length === undefined ? undefined : Number(range.length);
  if (range.suffix !== undefined) {
    const suffix = Math.min(Number(range.suffix), size);
    if (!(suffix > 0)) return "invalid";
    offset = size - suffix;
    length = suffix;
  }
  offset ??= 0;
  length ??= size - offset;
  if (offset < 0 || offset > size || length <= 0) return "invalid";
  return { offset, length: Math.min(length, size - offset) };
}

async function get(env, req) {
  const meta = await readMeta(env, req.object);
  if (!meta) return failure(404, NO_SUCH_KEY, "The specified key does not exist.");
  if (req.method === "head") return answer(meta);
  const range = rangeOf(req.range, meta.size);
  if (range === "invalid") return failure(416, INVALID_RANGE, "The requested range is not satisfiable");
  const headers = range ? { range: `bytes=${range.offset}-${range.offset + range.length - 1}` } : {};
  const res = await env.DISK.fetch(url(`${hex(req.object)}.bin`), { headers });
  if (!res.ok && res.status !== 206) return failure(404, NO_SUCH_KEY, "The specified key does not exist.");
  const length = range ? range.length : meta.size;
  return answer({ ...meta, ...(range && { range }) }, res.body, length);
}

async function list(env, req) {
  const listing = await (await env.DISK.fetch(url(""))).json();
  const prefix = req.prefix ?? "";
  const after = req.cursor ? atob(req.cursor) : (req.startAfter ?? "");
  const limit = Math.min(Number(req.limit ?? 1000), 1000);
  const keys = listing
    .filter((e) => e.type === "file" && e.name.endsWith(".json"))
    .map((e) => unhex(e.name.slice(0, -5)))
    .filter((k) => k.startsWith(prefix) && k > after)
    .sort();
  const page = keys.slice(0, limit);
  const objects = (await Promise.all(page.map((k) => readMeta(env, k)))).filter(Boolean);
  const truncated = keys.length > limit;
  return answer({
    objects,
    truncated,
    ...(truncated && { cursor: btoa(page.at(-1)) }),
    delimitedPrefixes: [],
  });
}

async function put(env, req, value, size) {
  const name = hex(req.object);
  const stored = await env.DISK.fetch(url(`${name}.bin`), {
    method: "PUT",
    body: value.pipeThrough(new FixedLengthStream(size)),
  });
  if (!stored.ok) return failure(500, INTERNAL, `disk refused the write (${stored.status})`);
  const meta = {
    name: req.object,
    version: crypto.randomUUID().replaceAll("-", ""),
    size,
    etag: crypto.randomUUID().replaceAll("-", ""),
    uploaded: Date.now(),
    httpFields: req.httpFields ?? {},
    customFields: req.customFields ?? [],
    checksums: {},
  };
  meta.etag = meta.version;
  await env.DISK.fetch(url(`${name}.json`), { method: "PUT", body: JSON.stringify(meta) });
  return answer(meta);
}

async function remove(env, keys) {
  for (const key of keys) {
    await env.DISK.fetch(url(`${hex(key)}.json`), { method: "DELETE" });
    await env.DISK.fetch(url(`${hex(key)}.bin`), { method: "DELETE" });
  }
  return new Response(null);
}

/** Splits a write: `size` bytes of request JSON, then the object's bytes. */
async function split(request) {
  const size = Number(request.headers.get("cf-r2-metadata-size"));
  const reader = request.body.getReader();
  let buffered = new Uint8Array();
  while (buffered.length < size) {
    const { done, value } = await reader.read();
    if (done) break;
    const next = new Uint8Array(buffered.length + value.length);
    next.set(buffered);
    next.set(value, buffered.length);
    buffered = next;
  }
  const meta = JSON.parse(new TextDecoder().decode(buffered.subarray(0, size)));
  const rest = buffered.subarray(size);
  const value = new ReadableStream({
    start(c) {
      if (rest.length > 0) c.enqueue(rest);
    },
    async pull(c) {
      const { done, value: chunk } = await reader.read();
      if (done) c.close();
      else c.enqueue(chunk);
    },
  });
  return { meta, value, valueSize: Number(request.headers.get("content-length")) - size };
}

export default {
  async fetch(request, env) {
    try {
      if (request.method === "GET") {
        const req = JSON.parse(request.headers.get("cf-r2-request") ?? "{}");
        if (req.method === "head" || req.method === "get") return await get(env, req);
        if (req.method === "list") return await list(env, req);
      } else if (request.method === "PUT") {
        const { meta, value, valueSize } = await split(request);
        if (meta.method === "put") return await put(env, meta, value, valueSize);
        if (meta.method === "delete") return await remove(env, meta.objects ?? [meta.object]);
      }
      return failure(501, INTERNAL, "r2-disk: operation not supported locally");
    } catch (err) {
      console.error("r2-disk:", err);
      return failure(500, INTERNAL, String(err));
    }
  },
};
