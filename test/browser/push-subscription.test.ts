import { webcrypto } from "node:crypto";
import type { HTTPRequest, HTTPResponse, Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RoomcastApi } from "../../client/src";
import { launchChromium } from "./chromium";
import { signUpInDemo } from "./demo-page";
import { chromiumGcmArgs, type FakeGcm, startFakeGcm } from "./fake-gcm";
import { baseUrl, eventually, newUser, PASSWORD } from "./helpers";
import { seen } from "./visible";

// Chromium subscribes through Google's GCM/FCM (check-in, then registration) before it hands out a
// PushSubscription; offline, `pushManager.subscribe` never resolves. The fake GCM answers both on
// loopback, so the subscription below is one Chromium made: its keys, its endpoint format; and it
// relays pushes down its MCS socket, so Chromium itself decrypts what the server sends.
let gcm: FakeGcm;
let browser: Awaited<ReturnType<typeof launchChromium>>;
beforeAll(async () => {
  gcm = await startFakeGcm();
  browser = await launchChromium(chromiumGcmArgs(gcm));
});
afterAll(async () => {
  await browser?.dispose();
  await gcm?.close();
});

/** What the first test leaves for the second: the subscribed user and Chromium's subscription. */
let subscribed: { api: RoomcastApi; userId: number; subscription: SubscriptionJson; token: string } | null =
  null;

type SubscriptionJson = {
  endpoint: string;
  expirationTime: number | null;
  keys: { p256dh: string; auth: string };
};

type Logged = { eventName: string; origin: string; metadata: Record<string, string> };

/** Chromium's log of push messages and notifications from now on (CDP BackgroundService). */
async function recordBackgroundServices(): Promise<Logged[]> {
  const [page] = await browser.pages();
  if (!page) throw new Error("no page to attach DevTools to");
  const cdp = await page.createCDPSession();
  const logged: Logged[] = [];
  cdp.on("BackgroundService.backgroundServiceEventReceived", ({ backgroundServiceEvent: e }) =>
    logged.push({
      eventName: e.eventName,
      origin: e.origin,
      metadata: Object.fromEntries(e.eventMetadata.map((m) => [m.key, m.value])),
    }),
  );
  for (const service of ["pushMessaging", "notifications"] as const) {
    await cdp.send("BackgroundService.startObserving", { service });
    await cdp.send("BackgroundService.setRecording", { shouldRecord: true, service });
  }
  return logged;
}

/** The page's own subscription, as its service worker registration holds it. */
const browserSubscription = (page: Page) =>
  page.evaluate(async () => {
    const registration = await navigator.serviceWorker.ready;
    return (await registration.pushManager.getSubscription())?.toJSON() ?? null;
  }) as Promise<SubscriptionJson | null>;

describe("Web Push in Chromium: a person enables notifications on the demo page", () => {
  it("subscribes with the server's VAPID key and the server accepts and lists Chromium's own subscription", async () => {
    // Push needs a profile that is not incognito (puppeteer's extra contexts are), and the
    // permission a person would grant at the prompt.
    const context = browser.defaultBrowserContext();
    await context.overridePermissions(baseUrl(), ["notifications"]);
    const { page, username } = await signUpInDemo(browser, "pusher", context);
    const posted: Array<{ request: HTTPRequest; response: HTTPResponse }> = [];
    page.on("response", (response) => {
      const request = response.request();
      if (request.method() === "POST" && new URL(request.url()).pathname === "/push/subscriptions")
        posted.push({ request, response });
    });

    expect(await seen(page, { button: "#notify" })).toEqual({ button: true });
    await page.click("#notify");
    await page.waitForFunction(
      () => document.querySelector("#notify-status")?.textContent !== "Enabling notifications…",
      { timeout: 30_000 },
    );
    expect(await page.$eval("#notify-status", (p) => p.textContent)).toBe(
      "Notifications are on for this browser.",
    );
    expect(await seen(page, { status: "#notify-status" })).toEqual({ status: true });

    // Chromium checked in and registered with the server's published key as the sender.
    expect(gcm.errors).toEqual([]);
    expect(gcm.checkins).toBeGreaterThanOrEqual(1);
    const { vapid_public_key } = await new RoomcastApi(baseUrl()).request<{
      vapid_public_key: string | null;
    }>("GET", "/push/config");
    expect(vapid_public_key).toMatch(/^[\w-]{87}$/);
    const registration = gcm.registrations.find((r) => r.subtype.startsWith(`wp:${baseUrl()}/#`));
    expect(registration?.sender).toBe(vapid_public_key);

    // The subscription is Chromium's: its endpoint carries the token GCM issued, its keys are a
    // P-256 point (importKey refuses one off the curve) and 16 bytes of auth secret.
    const subscription = await browserSubscription(page);
    if (!subscription || !registration) throw new Error("Chromium holds no push subscription");
    expect(subscription.endpoint).toMatch(/^https:\/\//);
    expect(subscription.endpoint.endsWith(`/${registration.token}`)).toBe(true);
    const p256dh = Buffer.from(subscription.keys.p256dh, "base64url");
    expect(p256dh).toHaveLength(65);
    await webcrypto.subtle.importKey("raw", p256dh, { name: "ECDH", namedCurve: "P-256" }, true, []);
    expect(Buffer.from(subscription.keys.auth, "base64url")).toHaveLength(16);

    // The page sent that toJSON() unchanged, once, and the server took it (201 Created).
    expect(posted).toHaveLength(1);
    expect(JSON.parse(posted[0]?.request.postData() ?? "null")).toEqual(subscription);
    expect(posted[0]?.response.status()).toBe(201);

    // …and lists it as this user's device.
    const api = new RoomcastApi(baseUrl());
    await api.login(username, PASSWORD);
    const listed = await api.request<Array<{ id: string; endpoint: string }>>("GET", "/push/subscriptions");
    expect(listed.map((s) => s.endpoint)).toEqual([subscription.endpoint]);

    // The person leaves: no page of the demo is open, only the service worker remains.
    await page.close();
    await api.request("DELETE", `/push/subscriptions/${listed[0]?.id}`);
    const { id: userId } = await api.request<{ id: number }>("GET", "/user/me");
    subscribed = { api, userId, subscription, token: registration.token };
  });

  it("delivers a DM's push from the server through the relay to Chromium, whose service worker shows it", async () => {
    if (!subscribed) throw new Error("needs the subscription the first test made");
    const { api, userId, subscription, token } = subscribed;
    // Google's endpoint is out of reach offline: the same keys are registered under the fake's
    // relay, which passes the server's encrypted bytes down the MCS socket as FCM would.
    await eventually(() => expect(gcm.mcs.connected()).toBe(true), 20_000);
    const relay = { ...subscription, endpoint: `${gcm.url}/relay/${token}` };
    await api.request("POST", "/push/subscriptions", relay);

    // What Chromium did with it, from its own log of background services (DevTools' Application
    // panel): registration.getNotifications() is no witness here, as headless Chromium at times
    // drops a notification it displayed from the list it answers from.
    const chromiumSaw = await recordBackgroundServices();
    const sender = await newUser("dmer");
    const dm = await sender.api.request<{ id: number }>("POST", `/dm/${userId}`);
    const text = "are you there? pushed through Chromium";
    await sender.api.sendMessage(dm.id, { content: text });

    await eventually(() => expect(gcm.relayed.map((r) => r.token)).toEqual([token]), 20_000);
    const received = await eventually(() => {
      const event = chromiumSaw.find((e) => e.eventName === "Push message received");
      expect(event).toBeDefined();
      return event as Logged;
    }, 10_000);
    // Decrypted by Chromium with the keys it made: the server's payload, as sent.
    expect(received.metadata).toMatchObject({ "Was Encrypted": "Yes", Success: "Yes" });
    expect(JSON.parse(received.metadata.Payload ?? "null")).toMatchObject({
      type: "message",
      room_id: dm.id,
      author: { username: sender.username },
      preview: text,
      reason: "direct",
    });
    // …and the demo's service worker showed it.
    const shown = await eventually(() => {
      const event = chromiumSaw.find((e) => e.eventName === "Notification displayed");
      expect(event).toBeDefined();
      return event as Logged;
    }, 10_000);
    expect(shown.origin).toBe(`${baseUrl()}/`);
    expect(shown.metadata).toEqual({ Title: sender.username, Body: text });
    expect(gcm.errors).toEqual([]);
  });
});
