import type { Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RoomcastApi } from "../../client/src";
import { launchChromium } from "./chromium";
import { signUpInDemo } from "./demo-page";
import { baseUrl, unique } from "./helpers";

let browser: Awaited<ReturnType<typeof launchChromium>>;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.dispose();
});

/** A user signed up through the demo page in a browser context of their own; their API from Node. */
async function signUp(prefix: string) {
  const { page, username } = await signUpInDemo(browser, prefix);
  const me = await page.evaluate(() => JSON.parse(sessionStorage.getItem("me") ?? "null") as { id: number });
  // The demo keeps its session (the token pair) in sessionStorage; this client borrows its access token.
  const session = await page.evaluate(() => JSON.parse(sessionStorage.getItem("session") ?? "null"));
  const api = new RoomcastApi(baseUrl(), (session as { access_token: string } | null)?.access_token ?? null);
  return { page, username, id: me.id, api };
}

/** "My rooms" as the person sees it: the visible text of each entry. */
const myRooms = (page: Page) =>
  page.$$eval("#rooms li", (lis) =>
    lis.filter((li) => li.checkVisibility()).map((li) => (li.textContent ?? "").trim()),
  );

async function waitForRoomText(page: Page, text: string) {
  await page
    .waitForFunction(
      (t) =>
        [...document.querySelectorAll<HTMLElement>("#rooms li")].some(
          (li) => (li.textContent ?? "").trim() === t,
        ),
      { timeout: 10_000 },
      text,
    )
    .catch(() => {});
  expect(await myRooms(page)).toContain(text);
}

describe("the demo's room list is live (the inbox channel)", () => {
  it("the second user's list shows a room they were added to, then its unread badge, without a reload", async () => {
    const alice = await signUp("alice");
    const bob = await signUp("bob");
    const roomName = unique("live");

    await alice.page.type("#new-room [name=name]", roomName);
    await alice.page.select("#new-room [name=kind]", "private");
    await alice.page.click("#new-room [type=submit]");
    await alice.page.waitForSelector('#status[data-state="ready"]');
    expect(await myRooms(bob.page)).not.toContain(roomName);

    // Alice adds Bob (another client of hers): Bob's page, untouched, shows the room.
    const room = (await alice.api.myRooms()).find((r) => r.name === roomName);
    if (!room) throw new Error("room not listed for its owner");
    await alice.api.request("POST", `/room/${room.id}/members`, { user_id: bob.id });
    await waitForRoomText(bob.page, roomName);

    // Alice writes twice in the demo; Bob's badge counts them as they arrive.
    for (const text of ["first", `and @${bob.username}`]) {
      await alice.page.type("#composer [name=content]", text);
      await alice.page.click("#composer [type=submit]");
    }
    await waitForRoomText(bob.page, `${roomName} 2 @1`);
    const badge = await bob.page.$eval("#rooms li .badge", (el) => ({
      text: el.textContent,
      visible: el.checkVisibility(),
    }));
    expect(badge).toEqual({ text: "2 @1", visible: true });

    // Bob opens the room: it is read, and the badge goes.
    await bob.page.$$eval(
      "#rooms li",
      (lis, name) => (lis.find((li) => li.textContent?.startsWith(name)) as HTMLElement).click(),
      roomName,
    );
    await bob.page.waitForSelector('#status[data-state="ready"]');
  });
});
