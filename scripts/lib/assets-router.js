// In front of the worker on plain workerd when wrangler.toml has [assets], as Cloudflare's asset
// routing is in production: a GET for a file of the assets directory is answered from disk without
// running the worker (html_handling "auto-trailing-slash": "/" and "/x/" serve index.html);
// everything else, WebSocket upgrades included, goes to the worker unchanged.
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

export default {
  async fetch(request, env) {
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
          return new Response(file.body, { status: 200, headers });
        }
      }
    }
    return env.WORKER.fetch(request);
  },
};
