import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { accountStub } from "../src/account/account";
import { users } from "../src/db/schema";
import type { Bindings } from "../src/env";
import { BATCH_MAX_CHARS } from "../src/protocol";
import { roomStub, writeAttachment } from "../src/room";
import {
  api,
  eventually,
  expectError,
  type Message,
  newRoom,
  newUser,
  storedMessages,
  withTestDb,
} from "./helpers";
import { connect } from "./socket";

// Issue 18, items inside the room: what one socket can make the room hold or build.

describe("batches are bounded in size", () => {
  it("a batched replay of large messages arrives as several frames of at most 64 KiB, in order", async () => {
    const alice = await newUser();
    const bob = await newUser();
    const room = await newRoom(alice);
    await api("POST", `/room/${room.id}/members/join`, { token: bob.token });
    const big = (i: number) => `${String(i).padStart(4, "0")} ${"x".repeat(3990)}`;
    // 40 messages of 4,000 characters: about 170 KB of replay (two users: within each one's burst).
    for (let i = 0; i < 40; i++) {
      const token = i % 2 === 0 ? alice.token : bob.token;
      const res = await api("POST", `/message/rooms/${room.id}/messages`, {
        token,
        json: { content: big(i) },
      });
      expect(res.status).toBe(201);
    }
    await eventually(async () => expect((await storedMessages(room.id)).length).toBe(40));
    const { socket } = await connect(room.id, alice.token, { batch: true, since: 0 });
    await eventually(() => expect(socket.frames.filter((f) => f.type === "message")).toHaveLength(40));
    const sizes = socket.received.map((f) => JSON.stringify(f).length);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(BATCH_MAX_CHARS);
    expect(socket.received.filter(Array.isArray).length).toBeGreaterThan(1);
    const contents = socket.frames.flatMap((f) => (f.type === "message" ? [f.content] : []));
    expect(contents).toEqual(Array.from({ length: 40 }, (_, i) => big(i)));
    socket.close();
  });
});

const post = (token: string, roomId: number, content: string) =>
  api<Message>("POST", `/message/rooms/${roomId}/messages`, { token, json: { content } });

describe("small leaks", () => {
  it("a reaction key is one plain emoji: 👍 with 40 combining marks is refused", async () => {
    const alice = await newUser();
    const room = await newRoom(alice);
    const m = (await post(alice.token, room.id, "react to me")).body;
    const react = (key: string) =>
      api("PUT", `/message/rooms/${room.id}/messages/${m.id}/reactions/${encodeURIComponent(key)}`, {
        token: alice.token,
      });
    expectError(await react(`👍${"\u0301".repeat(40)}`), 422, "invalid_reaction");
    for (const ok of ["👍", "👍🏽", "❤️", "🇩🇪", "👨‍👩‍👧‍👦"]) expect((await react(ok)).status).toBe(200);
  });

  it("@names in a public room resolve to its members only: non-members and deactivated accounts look alike", async () => {
    const alice = await newUser();
    const member = await newUser("member");
    const outsider = await newUser("outsider");
    const gone = await newUser("gone");
    const room = await newRoom(alice);
    await api("POST", `/room/${room.id}/members/join`, { token: member.token });
    await withTestDb((db) => db.update(users).set({ isActive: false }).where(eq(users.id, gone.id)));
    const sent = await post(
      alice.token,
      room.id,
      `@${member.username} @${outsider.username} @${gone.username}`,
    );
    expect(sent.body.mentions).toEqual([member.id]);
  });
});

/** Takes the worker's database connection down or up (the test bridge refuses it). */
async function database(state: "down" | "up") {
  const control = (env as unknown as { BRIDGE_CONTROL: string }).BRIDGE_CONTROL;
  expect((await fetch(`${control}/__bridge/${state}`)).status).toBe(200);
}

describe("a room's backlog while PostgreSQL is down", () => {
  it("is bounded: past ROOM_BACKLOG_MAX_EVENTS (100 in tests) sends are refused with backlog_full, then land", async () => {
    const owner = await newUser();
    const room = await newRoom(owner);
    const writers = [owner, ...(await Promise.all(Array.from({ length: 5 }, () => newUser("w"))))];
    for (const w of writers.slice(1)) await api("POST", `/room/${room.id}/members/join`, { token: w.token });
    const { socket } = await connect(room.id, owner.token);
    await database("down");
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 110; i++) {
        const w = writers[Math.floor(i / 20)] ?? owner;
        statuses.push((await post(w.token, room.id, `m${i}`)).status);
      }
      expect(statuses.slice(0, 100).every((s) => s === 201)).toBe(true);
      expect(statuses.slice(100)).toEqual(Array(10).fill(503));
      const refused = await post(writers[5]?.token ?? "", room.id, "one more");
      expectError(refused, 503, "backlog_full");
      // The socket is told too (an error frame), not dropped silently.
      socket.send({ type: "message.send", content: "from a socket", client_id: "s1" });
      expect(await socket.next("error")).toMatchObject({ code: "backlog_full", client_id: "s1" });
    } finally {
      await database("up");
    }
    await eventually(async () => expect((await storedMessages(room.id)).length).toBe(100), 40_000);
    expect((await post(owner.token, room.id, "after")).status).toBe(201);
    socket.close();
  }, 90_000);
});

/** Moves a socket's last account check, and the Account object's load, a minute into the past. */
async function aMinuteLater(roomId: number, userId: number) {
  await runInDurableObject(roomStub(env as Bindings, roomId), async (_room, state) => {
    for (const ws of state.getWebSockets()) {
      // Through the room's own writer: the room keeps attachments in memory (socket/identity.ts).
      writeAttachment(ws, { ...ws.deserializeAttachment(), checkedAt: Date.now() - 61_000 });
    }
  });
  await runInDurableObject(accountStub(env as Bindings, userId), async (account) => {
    (account as unknown as { loadedAt: number }).loadedAt = 0;
  });
}

describe("out-of-band deactivation and deletion", () => {
  it.each([
    ["UPDATE users SET is_active = false", "account disabled", "deactivate"],
    ["DELETE FROM users", "account deleted", "delete"],
  ] as const)(
    "after %s, an open socket can no longer send once the 60 s bound has passed (4403)",
    async (_, reason, how) => {
      const alice = await newUser();
      const room = await newRoom(alice);
      const { socket } = await connect(room.id, alice.token);
      socket.send({ type: "message.send", content: "before", client_id: "b" });
      await socket.next("ack");
      await withTestDb((db) =>
        how === "delete"
          ? db.delete(users).where(eq(users.id, alice.id))
          : db.update(users).set({ isActive: false }).where(eq(users.id, alice.id)),
      );
      await aMinuteLater(room.id, alice.id);
      socket.send({ type: "message.send", content: "after", client_id: "a" });
      await eventually(() => expect(socket.closed).toEqual({ code: 4403, reason }));
      expect(socket.frames.filter((f) => f.type === "ack")).toHaveLength(1);
      await eventually(async () =>
        expect((await storedMessages(room.id)).map((m) => m.content)).toEqual(["before"]),
      );
    },
  );
});
