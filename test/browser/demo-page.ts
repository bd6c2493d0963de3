import type { Browser, BrowserContext, Page } from "puppeteer-core";
import { baseUrl, PASSWORD, unique } from "./helpers";
import { waitUntilSeen } from "./visible";

/**
 * A page at the demo, of a browser context of its own (own storage) unless `context` is given;
 * its errors go to the test's log.
 */
export async function openDemo(browser: Browser, prefix: string, context?: BrowserContext): Promise<Page> {
  const page = await (context ?? (await browser.createBrowserContext())).newPage();
  page.on("pageerror", (err) => console.error(`[${prefix} page]`, err));
  await page.goto(`${baseUrl()}/`);
  return page;
}

/** A user in a browser context of their own, signed up through the page and shown the app. */
export async function signUpInDemo(
  browser: Browser,
  prefix: string,
  context?: BrowserContext,
): Promise<{ page: Page; username: string }> {
  const page = await openDemo(browser, prefix, context);
  const username = unique(prefix);
  await page.type("#auth [name=username]", username);
  await page.type("#auth [name=password]", PASSWORD);
  await page.click("#auth [name=signup]");
  await waitUntilSeen(page, "#new-room");
  return { page, username };
}

/** Reloads (the public list is read once), clicks the public room named `name`, waits for its socket. */
export async function joinPublicRoom(page: Page, name: string) {
  await page.reload();
  await page.waitForFunction(
    (n) => [...document.querySelectorAll("#public-rooms li")].some((li) => li.textContent?.startsWith(n)),
    {},
    name,
  );
  await page.$$eval(
    "#public-rooms li",
    (lis, n) => (lis.find((li) => li.textContent?.startsWith(n)) as HTMLElement).click(),
    name,
  );
  await page.waitForSelector('#status[data-state="ready"]');
}
