// In front of the worker on plain workerd when wrangler.toml has [assets], as Cloudflare's asset
// routing is in production: a GET for a file of the assets directory is answered from disk without
// running the worker (html_handling "auto-trailing-slash": "/" and "/x/" serve index.html);
// everything else, WebSocket upgrades included, goes to the worker unchanged. The headers of
// public/_headers apply to the files, as Workers static assets apply them (security headers).
// It wraps the worker in the same worker (scripts/lib/workerd.ts writes the entry module), not as
// a service of its own in front: a socket through a second worker kept that worker's request, a
// pipe and their buffers for as long as it stayed open, ≈ 30 KiB per idle socket (issue 25).
const TYPES = {
  html: "text/html; charset=utf-8",
  css: "text/css; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  mjs: "text/javascript; charset=utf-8",
  json: "application/json",
  map: "application/json",
  svg: "image/svg+xml",
  png: "image/png",
  ico: "image/x-icon",
  txt: "text/plain; charset=utf-8",
  woff2: "font/woff2",
};

/** `_headers` rules: a path pattern (`*` matches anything) and the headers its files get. */
function parseHeaders(text) {
  const rules = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "" || line.trim().startsWith("#")) continue;
    if (!/^\s/.test(line)) {
      const pattern = line
        .trim()
        .replace(/[.+?^${}()|[\]\\]/g, "\\$&")
        .replaceAll("*", ".*");
      rules.push({ test: new RegExp(`^${pattern}$`), headers: [] });
    } else if (rules.length > 0 && line.includes(":")) {
      const at = line.indexOf(":");
      rules.at(-1).headers.push([line.slice(0, at).trim(), line.slice(at + 1).trim()]);
    }
  }
  return rules;
}

let rules = null;
async function headerRules(env, origin) {
  rules ??= env.ASSETS.fetch(new URL("/_headers", origin)).then(async (r) =>
    r.ok ? parseHeaders(await r.text()) : [],
  );
  return rules;
}

/** The worker with the assets answered in front of it (`ASSETS`: the assets directory's disk service). */
export const withAssets = (worker) => ({
  async fetch(request, env, ctx) {
    if (request.method === "GET" || request.method === "HEAD") {
      const url = new URL(request.url);
      const path = url.pathname.endsWith("/") ? `${url.pathname}index.html` : url.pathname;
      const ext = path.match(/\.([a-z0-9]+)$/i)?.[1]?.toLowerCase();
      // Only paths naming a file: the disk service would answer a directory with a listing.
      if (ext && !path.split("/").some((s) => s.startsWith("."))) {
        const file = await env.ASSETS.fetch(new URL(path, url.origin), { method: request.method });
        if (file.ok) {
          const headers = new Headers(file.headers);
          headers.set("content-type", TYPES[ext] ?? "application/octet-stream");
          for (const rule of await headerRules(env, url.origin)) {
            if (rule.test.test(url.pathname))
              for (const [name, value] of rule.headers) headers.set(name, value);
          }
          return new Response(file.body, { status: 200, headers });
        }
      }
    }
    return worker.fetch(request, env, ctx);
  },
});
