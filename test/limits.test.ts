import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { roomMembers } from "../src/db/schema";
import {
  api,
  eventually,
  expectError,
  newRoom,
  newUser,
  storedMessages,
  unique,
  withTestDb,
} from "./helpers";
import { connect } from "./socket";

// Test configuration: WS_SENDS_PER_SECOND=10, WS_SEND_BURST=20 (defaults), per user per room.

describe("one limiter per user per room, shared by sockets and REST", () => {
  it("limits REST sends with 429 rate_limited and Retry-After", async () => {
    const alice = await newUser();
    const room = await newRoom(alice);
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        api("POST", `/message/rooms/${room.id}/messages`, { token: alice.token, json: { content: `m${i}` } }),
      ),
    );
    const limited = answers.filter((r) => r.status === 429);
    expect(answers.filter((r) => r.status === 201).length).toBeLessThanOrEqual(22);
    expect(limited.length).toBeGreaterThanOrEqual(18);
    expectError(limited[0] as (typeof answers)[number], 429, "rate_limited");
    expect(Number(limited[0]?.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
  });

  it("counts every socket of a user and REST against the same budget", async () => {
    const alice = await newUser();
    const room = await newRoom(alice);
    const sockets = await Promise.all(
      [1, 2, 3, 4, 5].map(async () => (await connect(room.id, alice.token)).socket),
    );
    const started = Date.now();
    for (const [i, s] of sockets.entries()) for (let k = 0; k < 12; k++) s.send(`s${i}-${k}`);
    // 60 sends from five sockets, each within a per-socket burst of 20. One shared budget (burst 20,
    // refilling at 10/s) accepts at most 20 + 10/s of elapsed time, whatever the machine's speed.
    const results = await Promise.all(sockets.map((s) => s.take(12, ["ack", "error"])));
    const rest = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        api("POST", `/message/rooms/${room.id}/messages`, {
          token: alice.token,
          json: { content: `rest ${i}` },
        }),
      ),
    );
    const budget = 21 + Math.floor(((Date.now() - started) / 1000) * 10);
    const acked = results.flat().filter((f) => f.type === "ack").length;
    const restAccepted = rest.filter((r) => r.status === 201).length;
    expect(acked + restAccepted).toBeLessThanOrEqual(budget);
    const refused = results.flat().filter((f) => f.type === "error");
    expect(refused.every((f) => f.code === "rate_limited" && (f.retry_after_ms ?? 0) > 0)).toBe(true);
    for (const r of rest.filter((x) => x.status !== 201)) expectError(r, 429, "rate_limited");
    for (const s of sockets) s.close();
  });

  it("limits edits like sends, and an edit's copy to PostgreSQL costs one update of the message", async () => {
    const alice = await newUser();
    const room = await newRoom(alice);
    const { socket } = await connect(room.id, alice.token);
    socket.send({ type: "message.send", content: "v0", client_id: "e" });
    const { id } = await socket.next("ack");
    for (let i = 1; i <= 30; i++) socket.send({ type: "message.edit", message_id: id, content: `v${i}` });
    const answers = await socket.take(30, ["message.edited", "error"]);
    const edits = answers.filter((f) => f.type === "message.edited");
    expect(answers.filter((f) => f.type === "error").every((f) => f.code === "rate_limited")).toBe(true);
    expect(edits.length).toBeGreaterThanOrEqual(15);
    expect(edits.length).toBeLessThan(30);
    const last = edits.at(-1)?.content;
    const rows = await eventually(async () => {
      const r = await storedMessages(room.id);
      expect(r).toHaveLength(1 + edits.length);
      expect(r[0]?.content).toBe(last);
      return r;
    });
    // Edit rows keep no text, so no edit rewrites the earlier ones: N edits, N rows and N updates.
    expect(rows.slice(1).every((r) => r.kind === "edit" && r.content === null)).toBe(true);
    socket.close();
  });

  it("keeps read markers in the room: rate-limited, coalesced into PostgreSQL, no connection per frame", async () => {
    const alice = await newUser();
    const bob = await newUser();
    const room = await newRoom(alice);
    const a = (await connect(room.id, alice.token)).socket;
    const b = (await connect(room.id, bob.token)).socket;
    for (let i = 0; i < 5; i++) a.send(`m${i}`);
    await a.take(5, "ack");
    for (let i = 0; i < 40; i++) b.send({ type: "read", seq: (i % 5) + 1 });
    const answers = await b.take(40, ["read", "error"]);
    const refused = answers.filter((f) => f.type === "error");
    expect(refused.length).toBeGreaterThanOrEqual(25);
    expect(refused.every((f) => f.code === "rate_limited")).toBe(true);
    const marks = answers.filter((f) => f.type === "read").map((f) => f.seq);
    // Markers never move back.
    expect(marks).toEqual([...marks].sort((x, y) => x - y));
    const highest = Math.max(...marks);
    await eventually(async () => {
      const [row] = await withTestDb((db) =>
        db
          .select({ seq: roomMembers.lastReadSeq })
          .from(roomMembers)
          .where(and(eq(roomMembers.roomId, room.id), eq(roomMembers.userId, bob.id))),
      );
      expect(row?.seq).toBe(highest);
    });
    a.close();
    b.close();
  });
});

describe("login throttle", () => {
  it("slows one address guessing one account with 429 and Retry-After, without locking the real user out", async () => {
    const victim = await newUser();
    const attacker = { "cf-connecting-ip": "203.0.113.7" };
    const home = { "cf-connecting-ip": "198.51.100.20" };
    const login = (password: string, headers: Record<string, string>) =>
      api("POST", "/auth/login", { json: { username: victim.username, password }, headers });
    const tries = [];
    for (let i = 0; i < 7; i++) tries.push((await login(`wrong-${unique("p")}`, attacker)).status);
    expect(tries.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(tries.slice(5)).toEqual([429, 429]);
    const blocked = await login(victim.password, attacker);
    expectError(blocked, 429, "too_many_attempts");
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    // The real user, from their own address, logs in.
    expect((await login(victim.password, home)).status).toBe(200);
  });
});
