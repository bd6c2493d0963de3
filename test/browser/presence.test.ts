import type { Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "./chromium";
import { baseUrl, newUser, PASSWORD, unique } from "./helpers";
import { seen, waitUntilSeen } from "./visible";

let browser: Awaited<ReturnType<typeof launchChromium>>;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.dispose();
});

/** A tab of its own browser context (own session), at the demo, signed in as `username`. */
async function signedIn(username: string): Promise<Page> {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  page.on("pageerror", (err) => console.error(`[${username} page]`, err));
  await page.goto(`${baseUrl()}/`);
  await page.type("#auth [name=username]", username);
  await page.type("#auth [name=password]", PASSWORD);
  await page.click("#auth [name=login]");
  await waitUntilSeen(page, "#new-room");
  return page;
}

/** Clicks the room in "My rooms" or, not joined yet, in the public rooms. */
async function openRoom(page: Page, name: string) {
  const lists = "#rooms li, #public-rooms li";
  await page.waitForFunction(
    (n, sel) => [...document.querySelectorAll(sel)].some((li) => li.textContent?.startsWith(n)),
    {},
    name,
    lists,
  );
  await page.$$eval(
    lists,
    (lis, n) => (lis.find((li) => li.textContent?.startsWith(n)) as HTMLElement).click(),
    name,
  );
  await page.waitForSelector('#status[data-state="ready"]');
}

/** Waits until the "online:" line a person reads names exactly these users (in any order). */
async function waitForOnline(page: Page, usernames: string[]) {
  const want = [...usernames].sort();
  await page
    .waitForFunction(
      (w) => {
        const text = document.querySelector("#online")?.textContent ?? "";
        const names = text
          .replace(/^online: /, "")
          .split(", ")
          .filter(Boolean)
          .sort();
        return JSON.stringify(names) === JSON.stringify(w);
      },
      { timeout: 10_000 },
      want,
    )
    .catch(() => {});
  expect(await seen(page, { online: "#online" })).toEqual({ online: true });
  const text = await page.$eval("#online", (el) => el.textContent ?? "");
  expect(
    text
      .replace(/^online: /, "")
      .split(", ")
      .sort(),
  ).toEqual(want);
}

describe("presence on the demo page in Chromium: who a person sees online", () => {
  it("follows joins and leaves, and a second tab of someone changes nothing", async () => {
    const [alice, bob, carol] = await Promise.all([newUser("alice"), newUser("bob"), newUser("carol")]);
    const room = await alice.api.createRoom({ name: unique("presence"), kind: "public" });
    const alicePage = await signedIn(alice.username);
    await openRoom(alicePage, room.name);
    await waitForOnline(alicePage, [alice.username]);

    const bobTab1 = await signedIn(bob.username);
    await openRoom(bobTab1, room.name);
    await waitForOnline(alicePage, [alice.username, bob.username]);
    await waitForOnline(bobTab1, [alice.username, bob.username]);

    // Bob's second tab: the others see him once, and still see him when one tab closes.
    const bobTab2 = await signedIn(bob.username);
    await openRoom(bobTab2, room.name);
    const carolPage = await signedIn(carol.username);
    await openRoom(carolPage, room.name);
    const everyone = [alice.username, bob.username, carol.username];
    for (const page of [alicePage, bobTab1, bobTab2, carolPage]) await waitForOnline(page, everyone);
    await bobTab1.browserContext().close();
    await new Promise((r) => setTimeout(r, 500));
    await waitForOnline(alicePage, everyone);
    await waitForOnline(carolPage, everyone);

    // His last tab closes: he is gone for everyone; Carol leaves too.
    await bobTab2.browserContext().close();
    await waitForOnline(alicePage, [alice.username, carol.username]);
    await waitForOnline(carolPage, [alice.username, carol.username]);
    await carolPage.browserContext().close();
    await waitForOnline(alicePage, [alice.username]);
  });
});
