import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "./chromium";
import { baseUrl, newUser, PASSWORD } from "./helpers";

/** A static page that logs in against the API on another origin and lists the user's rooms. */
const PAGE = `<!doctype html><meta charset="utf-8"><title>another app</title><script>
window.run = async (api, username, password) => {
  const login = await fetch(api + "/auth/login", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password }),
  }).then((r) => r.json());
  const rooms = await fetch(api + "/room/rooms", {
    headers: { authorization: "Bearer " + login.access_token },
  }).then((r) => r.json());
  return rooms.map((r) => r.name);
};
</script>`;

let app: http.Server;
let appPort: number;
let browser: Awaited<ReturnType<typeof launchChromium>>;

beforeAll(async () => {
  app = http.createServer((_, res) => res.writeHead(200, { "content-type": "text/html" }).end(PAGE));
  await new Promise<void>((r) => app.listen(0, "127.0.0.1", r));
  appPort = (app.address() as AddressInfo).port;
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.dispose();
  app?.close();
});

/** Console errors of the last page run: where Chromium says why it blocked a request. */
let consoleErrors: string[] = [];

async function runFrom(origin: string, username: string) {
  const page = await browser.newPage();
  consoleErrors = [];
  page.on("console", (m) => m.type() === "error" && consoleErrors.push(m.text()));
  try {
    await page.goto(`${origin}/`);
    return await page.evaluate(
      (api, u, p) => (globalThis as unknown as { run: (...a: string[]) => Promise<string[]> }).run(api, u, p),
      baseUrl(),
      username,
      PASSWORD,
    );
  } finally {
    await page.close();
  }
}

describe("CORS in Chromium", () => {
  it("lets a page on a local origin (the default) log in and list rooms", async () => {
    const alice = await newUser("alice");
    const room = await alice.api.createRoom({ name: "from another origin" });
    expect(room.id).toBeGreaterThan(0);
    expect(await runFrom(`http://localhost:${appPort}`, alice.username)).toEqual(["from another origin"]);
  });

  it("makes the browser refuse a page on an origin that is not allowed", async () => {
    const alice = await newUser("alice");
    await expect(runFrom(`http://app.test:${appPort}`, alice.username)).rejects.toThrow(/Failed to fetch/);
    expect(consoleErrors.join("\n")).toMatch(/blocked by CORS policy/);
  });
});
