import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "./chromium";
import { baseUrl } from "./helpers";

// Issue 18, item 12: a page on another origin frames the demo (to overlay its login form) and
// /docs; Chromium shows neither, because of `frame-ancestors 'none'` (public/_headers and the
// worker's security headers). The same page can frame a page that allows it: the check is real.

let app: http.Server;
let appPort: number;
let browser: Awaited<ReturnType<typeof launchChromium>>;

beforeAll(async () => {
  app = http.createServer((req, res) => {
    const target = new URL(req.url ?? "/", "http://x").searchParams.get("src") ?? "";
    if (req.url?.startsWith("/allowed"))
      return res.writeHead(200, { "content-type": "text/html" }).end("<button>Log in</button>");
    res
      .writeHead(200, { "content-type": "text/html" })
      .end(`<!doctype html><iframe src="${target}" width=600 height=400></iframe>`);
  });
  await new Promise<void>((r) => app.listen(0, "127.0.0.1", r));
  appPort = (app.address() as AddressInfo).port;
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.dispose();
  app?.close();
});

/** What a person sees inside the frame: the text of its buttons, or nothing. */
async function buttonsInFrame(src: string): Promise<string[]> {
  const page = await browser.newPage();
  try {
    await page.goto(`http://localhost:${appPort}/?src=${encodeURIComponent(src)}`);
    await new Promise((r) => setTimeout(r, 1500));
    const frame = page.frames().find((f) => f !== page.mainFrame());
    if (!frame) return [];
    return await frame
      .$$eval("button", (bs) =>
        bs.filter((b) => b.offsetParent !== null).map((b) => b.textContent?.trim() ?? ""),
      )
      .catch(() => []);
  } finally {
    await page.close();
  }
}

describe("framing in Chromium", () => {
  it("a page on another origin can frame a page that allows it (the check can see a frame)", async () => {
    expect(await buttonsInFrame(`http://localhost:${appPort}/allowed`)).toContain("Log in");
  });

  it("shows nothing of the demo's login form or of /docs in a frame on another origin", async () => {
    expect(await buttonsInFrame(`${baseUrl()}/`)).toEqual([]);
    expect(await buttonsInFrame(`${baseUrl()}/docs`)).toEqual([]);
  });
});
