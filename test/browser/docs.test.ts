import type { Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "./chromium";
import { baseUrl, newUser, PASSWORD } from "./helpers";

let browser: Awaited<ReturnType<typeof launchChromium>>;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.dispose();
});

/** Opens /docs with every request off this server refused, as on a machine without network. */
async function openDocsOffline(): Promise<{ page: Page; offSite: string[] }> {
  const page = await browser.newPage();
  const offSite: string[] = [];
  await page.setRequestInterception(true);
  page.on("request", (req) => {
    if (req.url().startsWith(baseUrl()) || req.url().startsWith("data:")) return void req.continue();
    offSite.push(req.url());
    void req.abort("internetdisconnected");
  });
  await page.goto(`${baseUrl()}/docs`);
  await page.waitForSelector(".opblock", { timeout: 20_000 });
  return { page, offSite };
}

describe("/docs in Chromium without network", () => {
  it("renders every operation from the worker's own assets", async () => {
    const { page, offSite } = await openDocsOffline();
    const operations = await page.$$eval(".opblock-summary-path", (els) => els.map((e) => e.textContent));
    expect(operations).toEqual(expect.arrayContaining(["/auth/login", "/room/rooms", "/ws/{room_id}"]));
    expect(offSite).toEqual([]);
    await page.close();
  });

  it("authorizes with the OAuth2 password flow, then 'Try it out' on a protected route returns 200", async () => {
    const alice = await newUser("alice");
    await alice.api.createRoom({ name: "seen from swagger" });
    const { page, offSite } = await openDocsOffline();

    await page.click(".auth-wrapper .authorize");
    await page.waitForSelector("#oauth_username");
    await page.type("#oauth_username", alice.username);
    await page.type("#oauth_password", PASSWORD);
    const token = page.waitForResponse((r) => r.url().endsWith("/auth/token"));
    await page.click('button[aria-label="Apply given OAuth2 credentials"]');
    expect((await token).status()).toBe(200);
    await page.waitForSelector('button[aria-label="Remove authorization"]');
    await page.click(".modal-ux .close-modal");

    // The operation's element id comes from its operationId; find it by method and path instead.
    const id = await page.$$eval(
      ".opblock-get",
      (els) =>
        els.find((e) => e.querySelector(".opblock-summary-path")?.getAttribute("data-path") === "/room/rooms")
          ?.id,
    );
    const op = `#${id}`;
    await page.click(`${op} .opblock-summary-control`);
    await page.waitForSelector(`${op} .try-out__btn`);
    await page.click(`${op} .try-out__btn`);
    await page.click(`${op} .execute`);
    await page.waitForSelector(`${op} .live-responses-table tbody .response-col_status`);
    const status = await page.$eval(`${op} .live-responses-table tbody .response-col_status`, (e) =>
      e.textContent?.trim(),
    );
    expect(status).toBe("200");
    const body = await page.$eval(`${op} .live-responses-table .microlight`, (e) => e.textContent ?? "");
    expect(body).toContain("seen from swagger");
    expect(offSite).toEqual([]);
    await page.close();
  });
});
