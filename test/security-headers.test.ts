import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, newUser } from "./helpers";

// Issue 18, item 12: no page of this origin can be framed, nothing is type-sniffed, no URL leaks
// in a Referer — on the API, /docs and (public/_headers) the static assets.

const expected = {
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "strict-origin-when-cross-origin",
};

describe("security headers", () => {
  it.each([
    ["/docs", undefined],
    ["/openapi.json", undefined],
    ["/health", undefined],
    ["/room/rooms", "signed in"],
    ["/no/such/route", undefined],
    ["/auth/login (refused)", undefined],
  ])("are on %s", async (path, signedIn) => {
    const token = signedIn ? (await newUser()).token : undefined;
    const res = path.startsWith("/auth/login")
      ? await api("POST", "/auth/login", { json: { username: "nobody", password: "x" } })
      : await api("GET", path, token ? { token } : {});
    for (const [name, value] of Object.entries(expected)) expect(res.headers.get(name)).toBe(value);
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
  });

  it("/docs runs no inline script (the CSP would block it)", async () => {
    const res = await api<string>("GET", "/docs");
    expect(res.body).not.toMatch(/<script>/);
    expect(res.body).toContain('<script src="/docs-init.js"></script>');
  });

  it("the static assets' public/_headers sets the same headers as the worker", async () => {
    const file = (env as unknown as { ASSETS_HEADERS?: string }).ASSETS_HEADERS;
    expect(file, "vitest.config.ts passes public/_headers as ASSETS_HEADERS").toBeTypeOf("string");
    const worker = (await api("GET", "/health")).headers;
    const block = (file ?? "").split("\n").filter((l) => /^\s+\S+:/.test(l));
    const fromFile = Object.fromEntries(
      block.map((l) => [l.slice(0, l.indexOf(":")).trim().toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]),
    );
    for (const name of [...Object.keys(expected), "content-security-policy"]) {
      expect(fromFile[name], name).toBe(worker.get(name));
    }
  });
});
