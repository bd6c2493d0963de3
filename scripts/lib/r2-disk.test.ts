import type { ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "./embedded-pg";
import { startWorkerd, type WorkerSettings } from "./workerd";

// The local R2 of `npm start`: a probe worker uses a real R2 binding (as the app does) on plain
// workerd with the generated config, so what is checked is the runtime's own R2 client talking
// to r2-disk.js, and the folder it leaves behind.
const PROBE = `
export default {
  async fetch(request, env) {
    const u = new URL(request.url);
    const key = u.searchParams.get("key");
    switch (u.pathname) {
      case "/put": {
        const o = await env.FILES.put(key, request.body, { httpMetadata: { contentType: "image/png" } });
        return Response.json({ key: o.key, size: o.size, etag: o.etag });
      }
      case "/get": {
        const range = u.searchParams.has("offset")
          ? { offset: Number(u.searchParams.get("offset")), length: Number(u.searchParams.get("length")) }
          : u.searchParams.has("suffix") ? { suffix: Number(u.searchParams.get("suffix")) } : undefined;
        const o = await env.FILES.get(key, range ? { range } : {});
        if (!o) return new Response("missing", { status: 404 });
        return new Response(o.body, { headers: { "x-size": String(o.size), "x-type": o.httpMetadata.contentType ?? "", "x-range": JSON.stringify(o.range ?? null) } });
      }
      case "/head": {
        const o = await env.FILES.head(key);
        return Response.json(o && { key: o.key, size: o.size });
      }
      case "/list": {
        const l = await env.FILES.list({ prefix: u.searchParams.get("prefix") ?? undefined, limit: 2, cursor: u.searchParams.get("cursor") ?? undefined });
        return Response.json({ keys: l.objects.map((o) => o.key), truncated: l.truncated, cursor: l.truncated ? l.cursor : null });
      }
      case "/delete":
        await env.FILES.delete(u.searchParams.getAll("key"));
        return new Response("ok");
    }
    return new Response("?", { status: 400 });
  },
};`;

let dir = "";
let base = "";
let child: ChildProcess | null = null;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "roomcast-r2-disk-"));
  const bundleDir = path.join(dir, "bundle");
  mkdirSync(bundleDir);
  writeFileSync(path.join(bundleDir, "index.js"), PROBE);
  const settings: WorkerSettings = {
    compatibilityDate: "2026-10-01",
    compatibilityFlags: ["nodejs_compat"],
    vars: {},
    durableObjects: [],
    r2Buckets: [{ binding: "FILES", bucketName: "files" }],
    assetsDir: null,
  };
  const port = await freePort();
  const o = {
    bundleDir,
    storageDir: path.join(dir, "do"),
    r2Dir: path.join(dir, "r2"),
    host: "127.0.0.1",
    port,
    vars: {},
    settings,
  };
  child = startWorkerd(o, { stdio: "pipe" });
  base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (
      await fetch(`${base}/head?key=x`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("workerd did not start");
}, 30_000);

afterAll(() => {
  child?.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
});

type Listing = { keys: string[]; truncated: boolean; cursor: string | null };
const listing = async (query = "") => (await (await fetch(`${base}/list${query}`)).json()) as Listing;

const bytes = Uint8Array.from({ length: 300_000 }, (_, i) => i % 251);

describe("the local R2 of npm start (r2-disk.js on plain workerd)", () => {
  it("stores, reads back, reads ranges of, lists and deletes objects through a real R2 binding", async () => {
    const put = await (await fetch(`${base}/put?key=a/1`, { method: "PUT", body: bytes })).json();
    expect(put).toMatchObject({ key: "a/1", size: bytes.length });
    await fetch(`${base}/put?key=a/2`, { method: "PUT", body: "two" });
    await fetch(`${base}/put?key=b/ü`, { method: "PUT", body: "three" });

    const whole = await fetch(`${base}/get?key=a/1`);
    expect(whole.headers.get("x-type")).toBe("image/png");
    expect(new Uint8Array(await whole.arrayBuffer())).toEqual(bytes);
    const part = await fetch(`${base}/get?key=a/1&offset=1000&length=5`);
    expect(new Uint8Array(await part.arrayBuffer())).toEqual(bytes.subarray(1000, 1005));
    expect(JSON.parse(part.headers.get("x-range") ?? "")).toEqual({ offset: 1000, length: 5 });
    expect(await (await fetch(`${base}/get?key=a/2&suffix=2`)).text()).toBe("wo");
    expect(await (await fetch(`${base}/head?key=b/ü`)).json()).toEqual({ key: "b/ü", size: 5 });
    expect((await fetch(`${base}/get?key=nope`)).status).toBe(404);

    const first = await listing();
    expect(first).toMatchObject({ keys: ["a/1", "a/2"], truncated: true });
    const second = await listing(`?cursor=${encodeURIComponent(first.cursor ?? "")}`);
    expect(second).toMatchObject({ keys: ["b/ü"], truncated: false });
    expect((await listing("?prefix=b/")).keys).toEqual(["b/ü"]);

    await fetch(`${base}/delete?key=a/1&key=b/ü`);
    expect(await (await fetch(`${base}/head?key=a/1`)).json()).toBeNull();
    expect((await listing()).keys).toEqual(["a/2"]);
    // Only a/2's bytes and metadata are left on disk.
    expect(readdirSync(path.join(dir, "r2/files")).length).toBe(2);
  });
});
