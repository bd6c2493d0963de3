import type { Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "./chromium";
import { joinPublicRoom, openDemo as openDemoIn, signUpInDemo } from "./demo-page";
import { PASSWORD, unique } from "./helpers";
import { seen, waitUntilSeen } from "./visible";

let browser: Awaited<ReturnType<typeof launchChromium>>;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.dispose();
});

const openDemo = (prefix: string) => openDemoIn(browser, prefix);
const signUp = (prefix: string) => signUpInDemo(browser, prefix);

/** The parts of the page a person tells the two views apart by. */
const VIEWS = {
  loginForm: "#auth",
  loginButton: "#auth [name=login]",
  myRooms: "#app aside h2",
  create: "#new-room [type=submit]",
  logout: "#logout",
} as const;

const messageTexts = (page: Page) =>
  page.$$eval("#messages li", (lis) =>
    lis.map((li) => `${li.querySelector("b")?.textContent}: ${li.querySelector(".content")?.textContent}`),
  );

async function waitForMessages(page: Page, expected: string[]) {
  await page
    .waitForFunction(
      (n) => document.querySelectorAll("#messages li").length >= n,
      { timeout: 10_000 },
      expected.length,
    )
    .catch(() => {});
  expect(await messageTexts(page)).toEqual(expected);
}

/** Clicks in one step inside the page: the message list re-renders on every frame, so an element
 * handle taken first could be detached by the time puppeteer clicks it. */
const clickNow = (page: Page, selector: string) => page.$eval(selector, (el) => (el as HTMLElement).click());

async function send(page: Page, text: string) {
  await page.type("#composer [name=content]", text);
  await page.click("#composer [type=submit]");
}

describe("the demo page in Chromium: what a person sees", () => {
  it("shows only the login form signed out, only the app signed in (password cleared), and the form again after logging out", async () => {
    const page = await openDemo("views");
    await waitUntilSeen(page, "#auth");
    expect(await seen(page, VIEWS)).toEqual({
      loginForm: true,
      loginButton: true,
      myRooms: false,
      create: false,
      logout: false,
    });

    await page.type("#auth [name=username]", unique("views"));
    await page.type("#auth [name=password]", PASSWORD);
    await page.click("#auth [name=signup]");
    await waitUntilSeen(page, "#logout");
    expect(await seen(page, VIEWS)).toEqual({
      loginForm: false,
      loginButton: false,
      myRooms: true,
      create: true,
      logout: true,
    });
    // Nothing typed into the login form is left in the page, hidden or not.
    expect(await page.$eval("#auth [name=password]", (i) => (i as HTMLInputElement).value)).toBe("");
    expect(await page.$eval("#auth [name=username]", (i) => (i as HTMLInputElement).value)).toBe("");
    // No room is open yet: the chat pane is not on screen either.
    expect(await seen(page, { chat: "#chat" })).toEqual({ chat: false });

    await page.click("#logout");
    await waitUntilSeen(page, "#auth");
    expect(await seen(page, VIEWS)).toMatchObject({ loginForm: true, myRooms: false, logout: false });
    await page.browserContext().close();
  });
});

describe("the demo page in Chromium, two users in two browser contexts", () => {
  it("chats both ways with presence and typing, edits and deletes, and resumes a dropped socket with nothing missed or doubled", async () => {
    const alice = await signUp("alice");
    const bob = await signUp("bob");
    const roomName = unique("demo");

    await alice.page.type("#new-room [name=name]", roomName);
    await alice.page.click("#new-room [type=submit]");
    await alice.page.waitForSelector('#status[data-state="ready"]');
    expect(await seen(alice.page, { chat: "#chat", composer: "#composer [name=content]" })).toEqual({
      chat: true,
      composer: true,
    });

    await joinPublicRoom(bob.page, roomName);
    await alice.page.waitForFunction(
      (u) => document.querySelector("#online")?.textContent?.includes(u),
      {},
      bob.username,
    );

    // Both ways.
    await send(alice.page, "hello bob");
    await waitForMessages(bob.page, [`${alice.username}: hello bob`]);
    await bob.page.type("#composer [name=content]", "hi ");
    await alice.page.waitForFunction(
      (u) => document.querySelector("#typing")?.textContent?.includes(u),
      {},
      bob.username,
    );
    await bob.page.type("#composer [name=content]", "alice");
    await bob.page.click("#composer [type=submit]");
    const both = [`${alice.username}: hello bob`, `${bob.username}: hi alice`];
    await waitForMessages(alice.page, both);
    await waitForMessages(bob.page, both);

    // Read markers: Alice's page saw both messages, so her marker reaches the last one.
    await alice.page.waitForFunction(() =>
      document.querySelector("#messages li:last-child .meta")?.textContent?.includes("✓"),
    );

    // Alice edits her message (the page asks with a prompt); Bob sees the new text.
    alice.page.once("dialog", (d) => void d.accept("hello bob!"));
    await clickNow(alice.page, "#messages li:first-child .edit");
    await bob.page.waitForFunction(() =>
      document.querySelector("#messages li:first-child .meta")?.textContent?.includes("(edited)"),
    );
    expect((await messageTexts(bob.page))[0]).toBe(`${alice.username}: hello bob!`);

    // Bob deletes his message; Alice sees the tombstone.
    await clickNow(bob.page, "#messages li:last-child .delete");
    await alice.page.waitForFunction(() =>
      document.querySelector("#messages li:last-child")?.classList.contains("deleted"),
    );

    // Bob's connection drops while he is offline; Alice posts meanwhile; Bob comes back.
    const readiesBefore = Number(await bob.page.$eval("#status", (s) => (s as HTMLElement).dataset.readies));
    await bob.page.setOfflineMode(true);
    await bob.page.click("#drop");
    await bob.page.waitForFunction(
      () => (document.querySelector("#status") as HTMLElement).dataset.state !== "ready",
    );
    const missed = ["while you were away 1", "while you were away 2", "while you were away 3"];
    for (const text of missed) await send(alice.page, text);
    await bob.page.setOfflineMode(false);
    await bob.page.waitForFunction(
      (n) => Number((document.querySelector("#status") as HTMLElement).dataset.readies) > n,
      { timeout: 20_000 },
      readiesBefore,
    );
    const after = [
      `${alice.username}: hello bob!`,
      `${bob.username}: (deleted)`,
      ...missed.map((t) => `${alice.username}: ${t}`),
    ];
    await waitForMessages(bob.page, after);
    expect(await bob.page.$eval("#status", (s) => s.textContent)).toContain("resumed with 3 missed event(s)");
    // Sent while Bob was reconnecting: still exactly once on both sides.
    await send(bob.page, "back");
    await waitForMessages(alice.page, [...after, `${bob.username}: back`]);
    await waitForMessages(bob.page, [...after, `${bob.username}: back`]);
  });
});
