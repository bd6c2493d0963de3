import type { Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "./chromium";
import { PASSWORD, unique } from "./helpers";
import { type Server, startServer } from "./server";
import { seen, waitUntilSeen } from "./visible";

/** Access tokens of this server live 6 s: the tests run across several expiries. */
const TTL_SECONDS = 6;
let server: Server;
let browser: Awaited<ReturnType<typeof launchChromium>>;
beforeAll(async () => {
  server = await startServer({ ACCESS_TOKEN_TTL_SECONDS: String(TTL_SECONDS) });
  browser = await launchChromium();
}, 180_000);
afterAll(async () => {
  await browser?.dispose();
  await server?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every refresh the page makes: when it left and when its answer came (to see none overlap). */
function watchRefreshes(page: Page) {
  const calls: Array<{ start: number; end: number; status: number }> = [];
  const open = new Map<unknown, number>();
  page.on("request", (req) => {
    if (req.url().endsWith("/auth/refresh")) open.set(req, Date.now());
  });
  page.on("response", (res) => {
    const start = open.get(res.request());
    if (start !== undefined) calls.push({ start, end: Date.now(), status: res.status() });
  });
  return calls;
}

const messageTexts = (page: Page) =>
  page.$$eval("#messages li .content", (els) => els.map((el) => el.textContent));

async function send(page: Page, text: string) {
  await page.type("#composer [name=content]", text);
  await page.click("#composer [type=submit]");
  await page.waitForFunction(
    (t) => [...document.querySelectorAll("#messages li .content")].some((el) => el.textContent === t),
    { timeout: 10_000 },
    text,
  );
}

describe("the client keeps a session signed in across access-token expiry (Chromium)", () => {
  it("the demo keeps working past several expiries: sends, a dropped socket, a reload; one refresh at a time", async () => {
    const page = await (await browser.createBrowserContext()).newPage();
    page.on("pageerror", (err) => console.error("[page]", err));
    const refreshes = watchRefreshes(page);
    // Refreshed ahead of expiry, the server never has to refuse a token of this page.
    const refused: string[] = [];
    page.on("response", (res) => {
      if (res.status() === 401) refused.push(res.url());
    });
    await page.goto(`${server.baseUrl}/`);
    await page.type("#auth [name=username]", unique("stay"));
    await page.type("#auth [name=password]", PASSWORD);
    await page.click("#auth [name=signup]");
    await waitUntilSeen(page, "#new-room");
    await page.type("#new-room [name=name]", unique("room"));
    await page.click("#new-room [type=submit]");
    await page.waitForSelector('#status[data-state="ready"]');
    await send(page, "before expiry");

    // Past two expiries: the client refreshed by itself, before each.
    await sleep(TTL_SECONDS * 2 * 1000 + 1000);
    await send(page, "after expiry");
    expect(refreshes.length).toBeGreaterThanOrEqual(2);
    // The socket reconnects with a fresh token, and REST works after a reload from storage.
    await page.click("#drop");
    await page.waitForFunction(
      () => Number(document.querySelector("#status")?.getAttribute("data-readies")) >= 2,
      {
        timeout: 15_000,
      },
    );
    await send(page, "after the drop");
    await page.reload();
    await waitUntilSeen(page, "#new-room");
    await sleep(TTL_SECONDS * 1000 + 500);
    await page.$$eval("#rooms li", (lis) => (lis[0] as HTMLElement).click());
    await page.waitForSelector('#status[data-state="ready"]');
    await page.waitForFunction(() => document.querySelectorAll("#messages li").length >= 3, {
      timeout: 10_000,
    });
    expect(await messageTexts(page)).toEqual(["before expiry", "after expiry", "after the drop"]);
    expect(await seen(page, { login: "#auth", app: "#new-room" })).toEqual({ login: false, app: true });

    expect(refreshes.every((r) => r.status === 200)).toBe(true);
    expect(refused).toEqual([]);
    const sorted = [...refreshes].sort((a, b) => a.start - b.start);
    for (let i = 1; i < sorted.length; i++)
      expect(sorted[i]?.start ?? 0).toBeGreaterThanOrEqual(sorted[i - 1]?.end ?? 0);
    await page.browserContext().close();
  }, 90_000);

  it("refreshes once when the server refuses a token it still believes valid (REST 401 and socket 4401 at once)", async () => {
    const page = await (await browser.createBrowserContext()).newPage();
    const refreshes = watchRefreshes(page);
    await page.goto(`${server.baseUrl}/`);
    const username = unique("stale");
    // Page code as a string: vite would rewrite an import() written in this file.
    const script = `(async (name, password, ttl) => {
      const { RoomcastApi, RoomSocket } = await import("/vendor/roomcast-client.js");
      const api = new RoomcastApi(location.origin);
      await api.signup({ username: name, email: name + "@example.test", password });
      const login = await api.login(name, password);
      const room = await api.createRoom({ name: name + "-room" });
      // This one stops here (no timer refreshing its pair): only the stale copy below refreshes.
      api.session.clear();
      await new Promise((r) => setTimeout(r, ttl * 1000 + 1500));
      // A session restored with a wrong clock: the client thinks its expired token is good for an hour.
      const stale = new RoomcastApi(location.origin, null, { stored: { ...login, expires_at: Date.now() + 3600000 } });
      const sockets = [1, 2].map(
        () => new RoomSocket({ baseUrl: location.origin, roomId: room.id, ...stale.session.socketAuth() }),
      );
      const [me] = await Promise.all([stale.me(), ...sockets.map((s) => s.whenReady())]);
      const ack = await sockets[0].send("made it");
      for (const s of sockets) s.close();
      return { me: me.username, acked: typeof ack.seq === "number" };
    })(${JSON.stringify(username)}, ${JSON.stringify(PASSWORD)}, ${TTL_SECONDS})`;
    const result = await page.evaluate(script);
    expect(result).toEqual({ me: username, acked: true });
    // One refresh served the REST retry and both sockets' 4401.
    expect(refreshes.map((r) => r.status)).toEqual([200]);
    await page.browserContext().close();
  }, 60_000);
});
