import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { ElementHandle, Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RoomcastError } from "../../client/src";
import { png } from "../fixtures/images";
import { launchChromium } from "./chromium";
import { joinPublicRoom, signUpInDemo } from "./demo-page";
import { newUser, unique } from "./helpers";
import { seen } from "./visible";

let browser: Awaited<ReturnType<typeof launchChromium>>;
let scratch = "";
beforeAll(async () => {
  browser = await launchChromium();
  scratch = mkdtempSync(path.join(tmpdir(), "roomcast-files-"));
});
afterAll(async () => {
  await browser?.dispose();
  rmSync(scratch, { recursive: true, force: true });
});

const signUp = (prefix: string) => signUpInDemo(browser, prefix);

/** The pictures of the last message as the page shows them: loaded (naturalWidth) and on screen. */
const lastPictures = (page: Page) =>
  page.$$eval("#messages li:last-child .attachments img", (imgs) =>
    imgs.map((img) => {
      const box = img.getBoundingClientRect();
      return {
        alt: img.alt,
        naturalWidth: img.naturalWidth,
        naturalHeight: img.naturalHeight,
        shown: img.checkVisibility({ visibilityProperty: true }) && box.width > 0 && box.height > 0,
      };
    }),
  );

describe("files in the demo page", () => {
  it("alice attaches a picture; bob sees it rendered in the room", async () => {
    const alice = await signUp("alice");
    const bob = await signUp("bob");
    const roomName = unique("pics");
    await alice.page.type("#new-room [name=name]", roomName);
    await alice.page.click("#new-room [type=submit]");
    await alice.page.waitForSelector('#status[data-state="ready"]');
    await joinPublicRoom(bob.page, roomName);

    const file = path.join(scratch, "red-square.png");
    writeFileSync(file, await png(40, 30));
    const picker = (await alice.page.$("#attach")) as ElementHandle<HTMLInputElement>;
    await picker.uploadFile(file);
    await alice.page.waitForFunction(() =>
      document.querySelector("#staged")?.textContent?.includes("red-square.png"),
    );
    expect(await seen(alice.page, { staged: "#staged .staged" })).toEqual({ staged: true });
    // A picture alone is a message: no text needed.
    await alice.page.click("#composer [type=submit]");

    for (const page of [bob.page, alice.page]) {
      await page.waitForFunction(
        () =>
          (document.querySelector("#messages li:last-child .attachments img") as HTMLImageElement | null)
            ?.naturalWidth,
        { timeout: 15_000 },
      );
      expect(await lastPictures(page)).toEqual([
        { alt: "red-square.png", naturalWidth: 40, naturalHeight: 30, shown: true },
      ]);
    }
    expect(await seen(alice.page, { staged: "#staged .staged" })).toEqual({ staged: false });
  });
});

describe("the typed client's files in Node", () => {
  it("uploads (progress once at the end: Node's fetch reports none), downloads, and throws refusals with their code", async () => {
    const { api } = await newUser("node");
    const bytes = await png(3, 2);
    const progress: Array<{ loaded: number; total: number }> = [];
    const up = await api.upload(bytes, { name: "n.png", onProgress: (p) => progress.push(p) });
    expect(up).toMatchObject({ name: "n.png", type: "image/png", width: 3, height: 2, size: bytes.length });
    expect(progress).toEqual([{ loaded: bytes.length, total: bytes.length }]);
    expect(new Uint8Array(await (await api.download(up.id)).arrayBuffer())).toEqual(bytes);
    const html = new TextEncoder().encode("<html><script>alert(1)</script>") as Uint8Array<ArrayBuffer>;
    const refused = await api.upload(html, { name: "x.png" }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RoomcastError);
    expect((refused as RoomcastError).code).toBe("unsupported_file_type");
  });
});
