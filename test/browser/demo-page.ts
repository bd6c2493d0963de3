import type { Browser, Page } from "puppeteer-core";
import { baseUrl, PASSWORD, unique } from "./helpers";
import { waitUntilSeen } from "./visible";

/** A page of its own browser context (own storage) at the demo; its errors go to the test's log. */
export async function openDemo(browser: Browser, prefix: string): Promise<Page> {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  page.on("pageerror", (err) => console.error(`[${prefix} page]`, err));
  await page.goto(`${baseUrl()}/`);
  return page;
}

/** A user in a browser context of their own, signed up through the page and shown the app. */
export async function signUpInDemo(
  browser: Browser,
  prefix: string,
): Promise<{ page: Page; username: string }> {
  const page = await openDemo(browser, prefix);
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
