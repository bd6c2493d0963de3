import { describe, expect, it } from "vitest";
import { newDevice } from "./fakes";
import { api, expectError, newRoom, newUser } from "./helpers";

type Sub = { id: string; endpoint: string; expiration_time: string | null };
type Settings = { level: string; muted_until: string | null; is_default: boolean };

describe("push subscriptions", () => {
  it("publishes the VAPID public key without sign-in", async () => {
    const res = await api<{ vapid_public_key: string }>("GET", "/push/config");
    expect(res.status).toBe(200);
    expect(res.body.vapid_public_key).toMatch(/^B[\w-]{86}$/);
  });

  it("registers a browser's PushSubscription.toJSON() as is, lists and deletes it", async () => {
    const alice = await newUser("alice");
    const device = await newDevice();
    const body = { ...device.subscription, expirationTime: 1_900_000_000_000 };
    const created = await api<Sub>("POST", "/push/subscriptions", { token: alice.token, json: body });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      endpoint: device.subscription.endpoint,
      expiration_time: new Date(1_900_000_000_000).toISOString(),
    });
    const again = await api<Sub>("POST", "/push/subscriptions", { token: alice.token, json: body });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(created.body.id);
    const list = await api<Sub[]>("GET", "/push/subscriptions", { token: alice.token });
    expect(list.body.map((s) => s.id)).toEqual([created.body.id]);
    // Someone else cannot delete it, nor see it.
    const bob = await newUser("bob");
    expect((await api<Sub[]>("GET", "/push/subscriptions", { token: bob.token })).body).toEqual([]);
    expectError(
      await api("DELETE", `/push/subscriptions/${created.body.id}`, { token: bob.token }),
      404,
      "not_found",
    );
    expect(
      (await api("DELETE", `/push/subscriptions/${created.body.id}`, { token: alice.token })).status,
    ).toBe(204);
    expect((await api<Sub[]>("GET", "/push/subscriptions", { token: alice.token })).body).toEqual([]);
  });

  it("refuses endpoints that are not https (or loopback http) and keys of the wrong length", async () => {
    const alice = await newUser("alice");
    const { subscription } = await newDevice();
    const bad = [
      { ...subscription, endpoint: "http://push.example.com/x" },
      { ...subscription, endpoint: "ftp://127.0.0.1/x" },
      { ...subscription, keys: { ...subscription.keys, auth: "AAAA" } },
      { ...subscription, keys: { ...subscription.keys, p256dh: subscription.keys.auth } },
      { ...subscription, keys: { ...subscription.keys, p256dh: "not base64url!" } },
      { endpoint: subscription.endpoint },
    ];
    for (const json of bad) {
      expectError(
        await api("POST", "/push/subscriptions", { token: alice.token, json }),
        422,
        "validation_error",
      );
    }
    expectError(await api("POST", "/push/subscriptions", { json: subscription }), 401, "unauthorized");
  });

  it("limits the devices of one user", async () => {
    const alice = await newUser("alice");
    for (let i = 0; i < 10; i++) {
      const { subscription } = await newDevice();
      expect(
        (await api("POST", "/push/subscriptions", { token: alice.token, json: subscription })).status,
      ).toBe(201);
    }
    const { subscription } = await newDevice();
    const res = await api("POST", "/push/subscriptions", { token: alice.token, json: subscription });
    expectError(res, 409, "subscription_limit");
  });
});

describe("notification settings", () => {
  it("default to all in DMs and mentions elsewhere; can be changed and muted", async () => {
    const alice = await newUser("alice");
    const bob = await newUser("bob");
    const room = await newRoom(alice);
    const dm = await api<{ id: number }>("POST", `/dm/${bob.id}`, { token: alice.token });
    const path = `/room/${room.id}/notifications`;
    expect((await api<Settings>("GET", path, { token: alice.token })).body).toEqual({
      level: "mentions",
      muted_until: null,
      is_default: true,
    });
    expect(
      (await api<Settings>("GET", `/room/${dm.body.id}/notifications`, { token: alice.token })).body.level,
    ).toBe("all");
    const until = new Date(Date.now() + 3_600_000).toISOString();
    const put = await api<Settings>("PUT", path, {
      token: alice.token,
      json: { level: "all", muted_until: until },
    });
    expect(put.body).toEqual({ level: "all", muted_until: until, is_default: false });
    expect((await api<Settings>("GET", path, { token: alice.token })).body).toEqual(put.body);
    expectError(
      await api("PUT", path, { token: alice.token, json: { level: "loud" } }),
      422,
      "validation_error",
    );
  });

  it("are refused for rooms the user cannot read", async () => {
    const alice = await newUser("alice");
    const eve = await newUser("eve");
    const room = await newRoom(alice, { kind: "private" });
    expectError(await api("GET", `/room/${room.id}/notifications`, { token: eve.token }), 404, "not_found");
    const res = await api("PUT", `/room/${room.id}/notifications`, {
      token: eve.token,
      json: { level: "all" },
    });
    expectError(res, 404, "not_found");
  });
});
