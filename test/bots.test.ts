import { describe, expect, it } from "vitest";
import { api, eventually, expectError, newRoom, newUser, type TestUser } from "./helpers";
import { openSocket } from "./socket";

type Bot = { id: number; username: string; is_bot: true; owner_id: number };
type Key = { id: string; key: string; rooms: number[]; actions: string[]; revoked_at: string | null };

async function newBot(owner: TestUser) {
  const res = await api<Bot>("POST", "/bots", {
    token: owner.token,
    json: { username: `bot${crypto.randomUUID().slice(0, 8)}` },
  });
  expect(res.status).toBe(201);
  return res.body;
}

async function newKey(owner: TestUser, botId: number, rooms: number[], actions: string[]) {
  const res = await api<Key>("POST", `/bots/${botId}/keys`, { token: owner.token, json: { rooms, actions } });
  expect(res.status).toBe(201);
  return res.body;
}

describe("bots and API keys", () => {
  it("a bot is owned by its creator and cannot sign in with a password", async () => {
    const alice = await newUser("alice");
    const bot = await newBot(alice);
    expect(bot).toMatchObject({ is_bot: true, owner_id: alice.id });
    expect((await api<Bot[]>("GET", "/bots", { token: alice.token })).body.map((b) => b.id)).toEqual([
      bot.id,
    ]);
    const login = await api("POST", "/auth/login", { json: { username: bot.username, password: "!bot" } });
    expectError(login, 401, "unauthorized");
    const bob = await newUser("bob");
    expectError(
      await api("POST", `/bots/${bot.id}/keys`, {
        token: bob.token,
        json: { rooms: [1], actions: ["read"] },
      }),
      404,
      "not_found",
    );
  });

  it("a key is shown once, stored hashed, and works as a bearer credential within its scope", async () => {
    const alice = await newUser("alice");
    const room = await newRoom(alice, { kind: "private" });
    const other = await newRoom(alice, { kind: "private" });
    const bot = await newBot(alice);
    for (const r of [room, other])
      await api("POST", `/room/${r.id}/members`, { token: alice.token, json: { user_id: bot.id } });
    const key = await newKey(alice, bot.id, [room.id], ["read", "post"]);
    expect(key.key).toMatch(/^rck_[0-9A-Z]{26}_[\w-]{43}$/);
    const listed = await api<Key[]>("GET", `/bots/${bot.id}/keys`, { token: alice.token });
    expect(listed.body).toEqual([expect.not.objectContaining({ key: expect.anything() })]);

    const post = await api<{ user_id: number; content: string }>(
      "POST",
      `/message/rooms/${room.id}/messages`,
      {
        token: key.key,
        json: { content: "beep" },
      },
    );
    expect(post.status).toBe(201);
    expect(post.body).toMatchObject({ user_id: bot.id, content: "beep" });
    expect((await api("GET", `/message/rooms/${room.id}/messages`, { token: key.key })).status).toBe(200);
    // Outside its scope: another room, another action, any other route.
    expectError(
      await api("GET", `/message/rooms/${other.id}/messages`, { token: key.key }),
      403,
      "api_key_scope",
    );
    const msgId = (post.body as unknown as { id: string }).id;
    const react = await api("PUT", `/message/rooms/${room.id}/messages/${msgId}/reactions/👍`, {
      token: key.key,
    });
    expectError(react, 403, "api_key_scope");
    expectError(await api("GET", "/room/rooms", { token: key.key }), 403, "api_key_scope");
    expectError(
      await api("POST", "/bots", { token: key.key, json: { username: "botbot" } }),
      403,
      "api_key_scope",
    );
    // A tampered key is the same 401 as an unknown one.
    expectError(
      await api("GET", `/message/rooms/${room.id}/messages`, { token: `${key.key.slice(0, -2)}xx` }),
      401,
      "unauthorized",
    );
  });

  it("revoking a key refuses its very next request", async () => {
    const alice = await newUser("alice");
    const room = await newRoom(alice);
    const bot = await newBot(alice);
    const key = await newKey(alice, bot.id, [room.id], ["read"]);
    expect((await api("GET", `/message/rooms/${room.id}/messages`, { token: key.key })).status).toBe(200);
    const revoked = await api<Key>("DELETE", `/bots/${bot.id}/keys/${key.id}`, { token: alice.token });
    expect(revoked.body.revoked_at).not.toBeNull();
    expectError(
      await api("GET", `/message/rooms/${room.id}/messages`, { token: key.key }),
      401,
      "unauthorized",
    );
    expectError(
      await api("DELETE", `/bots/${bot.id}/keys/${key.id}`, { token: alice.token }),
      404,
      "not_found",
    );
  });

  it("opens a socket with a key that holds every action for the room, and not otherwise", async () => {
    const alice = await newUser("alice");
    const room = await newRoom(alice);
    const bot = await newBot(alice);
    const full = await newKey(alice, bot.id, [room.id], ["read", "post", "react"]);
    const readOnly = await newKey(alice, bot.id, [room.id], ["read"]);
    const { socket } = await openSocket(room.id, full.key);
    expect(socket).not.toBeNull();
    const refused = await openSocket(room.id, readOnly.key);
    expect(refused.refusal).toEqual({ code: 4403, reason: "api_key_scope" });
    // Revoking the key closes the socket it opened, at once.
    await api("DELETE", `/bots/${bot.id}/keys/${full.id}`, { token: alice.token });
    await eventually(() => expect(socket?.closed).toEqual({ code: 4401, reason: "api key revoked" }));
  });

  it("limits bots per owner and active keys per bot", async () => {
    const alice = await newUser("alice");
    for (let i = 0; i < 10; i++) await newBot(alice);
    const over = await api("POST", "/bots", {
      token: alice.token,
      json: { username: `bot${crypto.randomUUID().slice(0, 8)}` },
    });
    expectError(over, 409, "bot_limit");
    const bob = await newUser("bob");
    const bot = await newBot(bob);
    for (let i = 0; i < 10; i++) await newKey(bob, bot.id, [1], ["read"]);
    const key = await api("POST", `/bots/${bot.id}/keys`, {
      token: bob.token,
      json: { rooms: [1], actions: ["read"] },
    });
    expectError(key, 409, "api_key_limit");
  });

  it("deleting a bot deletes its keys; its messages stay", async () => {
    const alice = await newUser("alice");
    const room = await newRoom(alice);
    const bot = await newBot(alice);
    const key = await newKey(alice, bot.id, [room.id], ["post"]);
    expect(
      (await api("POST", `/message/rooms/${room.id}/messages`, { token: key.key, json: { content: "hi" } }))
        .status,
    ).toBe(201);
    expect((await api("DELETE", `/bots/${bot.id}`, { token: alice.token })).status).toBe(204);
    expectError(
      await api("POST", `/message/rooms/${room.id}/messages`, { token: key.key, json: { content: "x" } }),
      401,
      "unauthorized",
    );
    const history = await api<{ messages: Array<{ content: string }> }>(
      "GET",
      `/message/rooms/${room.id}/messages`,
      { token: alice.token },
    );
    expect(JSON.stringify(history.body)).toContain('"hi"');
  });
});
