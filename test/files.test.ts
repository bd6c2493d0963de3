import { runDurableObjectAlarm } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { fileSweeper } from "../src/files/sweeper";
import { ageUpload, blobKeys, download, expectNoOrphans, upload, uploaded, uploadIds } from "./files";
import { gif, jpeg, png, text, webp } from "./fixtures/images";
import { api, type ErrorBody, expectError, newUser } from "./helpers";

const MAX = 262_144; // FILES_MAX_BYTES in vitest.config.ts
const TTL = 3600; // FILES_UNATTACHED_TTL_SECONDS' default

describe("uploads", () => {
  it("stores a picture with the type and size read from its bytes, and serves it back to its uploader", async () => {
    const alice = await newUser("alice");
    const bytes = await png(3, 2);
    const up = await uploaded(alice, bytes, { name: "dot.png", contentType: "image/png" });
    expect(up).toMatchObject({ name: "dot.png", type: "image/png", size: bytes.length, width: 3, height: 2 });
    expect(Date.parse(up.expires_at ?? "") - Date.parse(up.created_at)).toBe(TTL * 1000);
    expect(await blobKeys()).toContain(up.id);

    const res = await download(alice, up.id);
    expect(res.status).toBe(200);
    expect(res.bytes).toEqual(bytes);
    expect(Object.fromEntries(res.headers)).toMatchObject({
      "content-type": "image/png",
      "content-length": String(bytes.length),
      "content-disposition": `inline; filename="dot.png"; filename*=UTF-8''dot.png`,
      "x-content-type-options": "nosniff",
      "cache-control": "private, no-cache",
      etag: `"${up.id}"`,
      "accept-ranges": "bytes",
    });
    expect(res.headers.get("content-security-policy")).toContain("sandbox");
  });

  it.each([
    ["jpeg", jpeg(640, 480), "image/jpeg", 640, 480],
    ["gif", gif(17, 9), "image/gif", 17, 9],
    ["webp", webp(1200, 800), "image/webp", 1200, 800],
  ])("reads the type and size of a %s from its header", async (_, bytes, type, width, height) => {
    const bob = await newUser("bob");
    expect(await uploaded(bob, bytes, { name: "picture" })).toMatchObject({ type, width, height });
  });

  it("trusts the bytes, not the name or Content-Type: a PNG named .exe is a PNG, saved as .png", async () => {
    const carol = await newUser("carol");
    const up = await uploaded(carol, await png(1, 1), {
      name: "setup.exe",
      contentType: "application/x-msdownload",
    });
    expect(up).toMatchObject({ type: "image/png", name: "setup.exe.png" });
    const res = await download(carol, up.id);
    expect(res.headers.get("content-type")).toBe("image/png");
    expect(res.headers.get("content-disposition")).toContain('filename="setup.exe.png"');
  });

  it("refuses HTML and SVG posing as pictures, and stores nothing", async () => {
    const dave = await newUser("dave");
    const before = await blobKeys();
    const html = text("\n  <!DOCTYPE html><html><script>alert(document.cookie)</script></html>");
    const svg = text(
      '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    );
    for (const [bytes, type] of [
      [html, "text/html"],
      [svg, "image/svg+xml"],
    ] as const) {
      const res = await upload<ErrorBody>(dave, bytes, { name: "cute.png", contentType: "image/png" });
      expectError(res, 422, "unsupported_file_type");
      expect(res.body.error.details).toEqual({ type });
    }
    expect(await blobKeys()).toEqual(before);
  });

  it("refuses a multipart form (415 multipart_not_supported): the body must be the file itself", async () => {
    const fay = await newUser("fay");
    const [keysBefore, idsBefore] = await Promise.all([blobKeys(), uploadIds()]);
    const form = new FormData();
    form.append("file", new Blob([await png(2, 2)], { type: "image/png" }), "dot.png");
    const res = await exports.default.fetch(
      new Request("http://roomcast.test/files?name=dot.png", {
        method: "POST",
        headers: { authorization: `Bearer ${fay.token}` },
        body: form,
      }),
    );
    expect(res.headers.get("content-type")).toContain("application/json");
    const body = (await res.json()) as ErrorBody;
    expect({ status: res.status, code: body.error.code }).toEqual({
      status: 415,
      code: "multipart_not_supported",
    });
    expect(body.error.message).toMatch(/request body/);
    // The same bytes as the raw body are a picture.
    expect(await uploaded(fay, await png(2, 2), { name: "dot.png" })).toMatchObject({ type: "image/png" });
    expect((await uploadIds()).length).toBe(idsBefore.length + 1);
    expect((await blobKeys()).length).toBe(keysBefore.length + 1);
  });

  it("serves plain text as an attachment in UTF-8, never as a page", async () => {
    const erin = await newUser("erin");
    const up = await uploaded(erin, text("grüße\n<b>not markup at the start</b>"), { name: "notes.html" });
    expect(up).toMatchObject({ type: "text/plain", name: "notes.html.txt" });
    const res = await download(erin, up.id);
    expect(res.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; /);
  });

  it("refuses a file over FILES_MAX_BYTES with 413 file_too_large, before storing anything", async () => {
    const frank = await newUser("frank");
    const before = await uploadIds();
    expectError(await upload(frank, new Uint8Array(MAX + 1).fill(65)), 413, "file_too_large");
    expect(await uploadIds()).toEqual(before);
    expect(await uploaded(frank, new Uint8Array(MAX).fill(65), { name: "a.txt" })).toMatchObject({
      size: MAX,
    });
  });

  it("enforces the per-user quota with 413 quota_exceeded; deleting an upload frees its share", async () => {
    const gina = await newUser("gina");
    const big = new Uint8Array(MAX).fill(66); // four of these fill FILES_QUOTA_BYTES exactly
    const ups = [];
    for (let i = 0; i < 4; i++) ups.push(await uploaded(gina, big, { name: `${i}.txt` }));
    const over = await upload<ErrorBody>(gina, text("one byte too many"));
    expectError(over, 413, "quota_exceeded");
    expect(over.body.error.details).toEqual({ quota_bytes: 4 * MAX, used_bytes: 4 * MAX });
    expect((await upload(await newUser("other"), text("others are not affected"))).status).toBe(201);

    const first = ups[0]?.id ?? "";
    expect((await api("DELETE", `/files/${first}`, { token: gina.token })).status).toBe(204);
    expect((await download(gina, first)).status).toBe(404);
    expect((await upload(gina, text("fits again"))).status).toBe(201);
    await expectNoOrphans();
  });

  it("limits uploads waiting unattached (429 too_many_pending_uploads with Retry-After)", async () => {
    const hank = await newUser("hank");
    for (let i = 0; i < 6; i++) await uploaded(hank, text(`file ${i}`));
    const res = await upload(hank, text("one more"));
    expectError(res, 429, "too_many_pending_uploads");
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(TTL - 60);
  });

  it("answers a missing Content-Length with 411 and an empty file with 422", async () => {
    const ivy = await newUser("ivy");
    expectError(await upload(ivy, text("streamed"), { length: null }), 411, "length_required");
    expectError(await upload(ivy, new Uint8Array()), 422, "empty_file");
    expectError(await upload(ivy, text("x"), { token: "nope" }), 401, "unauthorized");
  });
});

describe("downloads", () => {
  it("keeps an unattached upload to its uploader: anyone else gets 404", async () => {
    const [jack, kim] = [await newUser("jack"), await newUser("kim")];
    const up = await uploaded(jack, await png(2, 2));
    expectError(await api("GET", `/files/${up.id}`, { token: kim.token }), 404, "file_not_found");
    expectError(await api("GET", `/files/${up.id}`), 401, "unauthorized");
    expectError(await api("DELETE", `/files/${up.id}`, { token: kim.token }), 404, "file_not_found");
  });

  it("answers ranges with 206, an impossible range with 416, and a known ETag with 304", async () => {
    const lena = await newUser("lena");
    const bytes = text("0123456789");
    const { id } = await uploaded(lena, bytes);
    const part = await download(lena, id, { range: "bytes=2-5" });
    expect({ status: part.status, range: part.headers.get("content-range"), body: part.bytes }).toEqual({
      status: 206,
      range: "bytes 2-5/10",
      body: text("2345"),
    });
    const tail = await download(lena, id, { range: "bytes=-3" });
    expect([tail.status, new TextDecoder().decode(tail.bytes)]).toEqual([206, "789"]);
    const open = await download(lena, id, { range: "bytes=7-" });
    expect([open.headers.get("content-range"), open.headers.get("content-length")]).toEqual([
      "bytes 7-9/10",
      "3",
    ]);
    const none = await download(lena, id, { range: "bytes=10-" });
    expect([none.status, none.headers.get("content-range")]).toEqual([416, "bytes */10"]);
    expect((await download(lena, id, { "if-none-match": `"${id}"` })).status).toBe(304);
    expect((await download(lena, id, { "if-none-match": `"other"` })).status).toBe(200);
  });
});

describe("cleanup", () => {
  it("deletes an upload never attached once FILES_UNATTACHED_TTL_SECONDS have passed, blob and all", async () => {
    const mia = await newUser("mia");
    const up = await uploaded(mia, await png(4, 4));
    await ageUpload(up.id, TTL + 1);
    // The upload scheduled the sweeper's alarm; run it now instead of waiting an hour.
    expect(await runDurableObjectAlarm(fileSweeper(env))).toBe(true);
    expect(await uploadIds()).not.toContain(up.id);
    expect((await download(mia, up.id)).status).toBe(404);
    await expectNoOrphans();
  });

  it("a deleted account takes its uploads with it", async () => {
    const ned = await newUser("ned");
    const up = await uploaded(ned, await png(2, 1));
    expect((await api("DELETE", `/user/${ned.id}`, { token: ned.token })).status).toBe(204);
    expect(await uploadIds()).not.toContain(up.id);
    await expectNoOrphans();
  });
});
