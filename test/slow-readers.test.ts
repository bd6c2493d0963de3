import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { inboxStub } from "../src/inbox/notify";
import { BATCH_MAX_CHARS, CloseCode } from "../src/protocol";
import { roomStub } from "../src/room";
import { expectLogs } from "./expected-logs";
import { api, eventually, newRoom, newUser, type Room, storedMessages, type TestUser } from "./helpers";
import { connectInbox } from "./inbox-socket";
import { database } from "./outage";
import { connect, type TestSocket } from "./socket";

// Issue 18 item 2: what the room queues for a socket that does not read is bounded. Test
// configuration (vitest.config.ts): a send window of 64 Ki characters for `sync=1` sockets, 256 Ki
// per connection for sockets that do not echo, a cache of 5 events (replays come from PostgreSQL).

const WINDOW = 65_536;
const UNSYNCED = 262_144;
const big = (i: number) => `${String(i).padStart(4, "0")} ${"x".repeat(3990)}`;

async function post(user: TestUser, roomId: number, content: string) {
  const res = await api("POST", `/message/rooms/${roomId}/messages`, {
    token: user.token,
    json: { content },
  });
  expect(res.status).toBe(201);
}

/** Seqs of the timeline events a socket received, in order. */
const seqsOf = (s: TestSocket) => s.frames.flatMap((f) => (f.type === "message" ? [f.seq] : []));
const charsOf = (s: TestSocket) => s.received.reduce((n, f) => n + JSON.stringify(f).length, 0);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const settle = () => new Promise((r) => setTimeout(r, 400));

describe("live: a socket that stops reading", () => {
  it("is closed 4408 once a window is unconfirmed; readers that echo, and those that cannot, go on", async () => {
    const alice = await newUser();
    const room = await newRoom(alice);
    const reader = (await connect(room.id, alice.token, { sync: true, batch: true })).socket;
    const slow = (await connect(room.id, alice.token, { sync: true, echo: false })).socket;
    const forger = (await connect(room.id, alice.token, { sync: true, echo: false })).socket;
    const plain = (await connect(room.id, alice.token)).socket;
    // A client cannot confirm what it did not read: a token it makes up confirms nothing.
    forger.ws.addEventListener("message", () => forger.send({ type: "sync", token: "0" }));
    // A few milliseconds apart, so that a reader has the time to read and echo (a burst larger
    // than the window within one turn would close a reading socket too).
    for (let i = 1; i <= 20; i++) {
      await post(alice, room.id, big(i));
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(await slow.waitClosed()).toEqual({ code: CloseCode.tooSlow, reason: "too slow" });
    expect(await forger.waitClosed()).toMatchObject({ code: CloseCode.tooSlow });
    // It got markers, and at most a window (plus the frame that passed it) before the close.
    expect(slow.unechoed.length).toBeGreaterThan(0);
    expect(charsOf(slow)).toBeLessThan(WINDOW + 8000);
    await eventually(() => expect(seqsOf(reader)).toEqual(range(1, 20)));
    await eventually(() => expect(seqsOf(plain)).toEqual(range(1, 20)));
    expect({ reader: reader.closed, plain: plain.closed }).toEqual({ reader: null, plain: null });
  });
});

describe("replays stream as the socket reads", () => {
  let alice: TestUser;
  let room: Room;
  const N = 80;

  beforeAll(async () => {
    alice = await newUser();
    room = await newRoom(alice);
    // 80 messages of 4,000 characters (≈ 350 Ki characters of frames) by four users (rate limits).
    const authors = [alice, await newUser(), await newUser(), await newUser()];
    for (const u of authors.slice(1)) await api("POST", `/room/${room.id}/members/join`, { token: u.token });
    for (let i = 1; i <= N; i++) await post(authors[(i - 1) % 4] as TestUser, room.id, big(i));
    await eventually(async () => expect((await storedMessages(room.id)).length).toBe(N), 20_000);
  }, 60_000);

  it("a replay waits for echoes: half a window, then the rest as markers come back, then live events", async () => {
    const { socket, ready } = await connect(room.id, alice.token, { sync: true, echo: false, since: 0 });
    expect(ready).toMatchObject({ recovered: true, replay_count: N });
    await settle();
    const first = seqsOf(socket);
    expect(first.length).toBeGreaterThan(0);
    expect(charsOf(socket)).toBeLessThan(WINDOW / 2 + 8000);
    await settle();
    expect(seqsOf(socket)).toEqual(first);
    socket.echoNow();
    await eventually(() => expect(seqsOf(socket)).toEqual(range(1, N)), 10_000);
    await post(alice, room.id, "live after the replay");
    await eventually(() => expect(seqsOf(socket)).toEqual(range(1, N + 1)));
    expect(socket.closed).toBeNull();
    socket.close();
  });

  it("keeps its place across an eviction of the room", async () => {
    const since = 5;
    const { socket } = await connect(room.id, alice.token, { sync: true, echo: false, since, batch: true });
    await settle();
    const first = seqsOf(socket);
    expect(first.length).toBeLessThan(20);
    await evictDurableObject(roomStub(env, room.id));
    socket.echoNow();
    const last = (await storedMessages(room.id)).length;
    await eventually(() => expect(seqsOf(socket)).toEqual(range(since + 1, last)), 10_000);
    socket.close();
  });

  it("a socket that does not echo gets its per-connection budget, then 4408; resuming goes on from there", async () => {
    const last = (await storedMessages(room.id)).length;
    const got: number[] = [];
    let since = 0;
    for (let round = 0; round < 5 && got.length < last; round++) {
      const { socket } = await connect(room.id, alice.token, { since, batch: true });
      const closed = await Promise.race([
        socket.waitClosed(),
        settle()
          .then(() => settle())
          .then(() => null),
      ]);
      got.push(...seqsOf(socket));
      if (closed) {
        expect(closed.code).toBe(CloseCode.tooSlow);
        // The budget, plus the batch that passed it.
        expect(charsOf(socket)).toBeLessThan(UNSYNCED + BATCH_MAX_CHARS);
      }
      since = got.at(-1) ?? since;
      socket.close();
    }
    expect(got).toEqual(range(1, last));
  });

  it("PostgreSQL lost mid-replay: closed 1013 after a gapless prefix; resuming later gives exactly the rest", async () => {
    const last = (await storedMessages(room.id)).length;
    const { socket } = await connect(room.id, alice.token, { sync: true, echo: false, since: 0 });
    await settle();
    const prefix = seqsOf(socket);
    await database("down");
    expectLogs(/^room: a replay could not go on/);
    try {
      socket.echoNow();
      expect(await socket.waitClosed()).toMatchObject({ code: CloseCode.tryAgainLater });
    } finally {
      await database("up");
    }
    const got = seqsOf(socket);
    expect(got.length).toBeGreaterThanOrEqual(prefix.length);
    expect(got).toEqual(range(1, got.length));
    const again = await connect(room.id, alice.token, { sync: true, since: got.length });
    expect(again.ready.recovered).toBe(true);
    await eventually(() => expect(seqsOf(again.socket)).toEqual(range(got.length + 1, last)), 10_000);
  });
});

describe("/ws/me: a device that stops reading", () => {
  it("is closed 4408 at its window; a device that echoes, and one that cannot, go on", async () => {
    const alice = await newUser();
    const reader = (await connectInbox(alice.token, { sync: true })).socket;
    const slow = (await connectInbox(alice.token, { sync: true, echo: false })).socket;
    const plain = (await connectInbox(alice.token)).socket;
    // 20 account events of about 4,000 characters: 80 Ki characters, more than a window.
    for (let i = 1; i <= 20; i++) {
      await inboxStub(env, alice.id).notify({ type: "account", event: "test", detail: { pad: big(i) } });
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(await slow.waitClosed()).toEqual({ code: CloseCode.tooSlow, reason: "too slow" });
    const accounts = (s: typeof reader) => s.frames.filter((f) => f.type === "account").length;
    await eventually(() => expect([accounts(reader), accounts(plain)]).toEqual([20, 20]));
    expect({ reader: reader.closed, plain: plain.closed }).toEqual({ reader: null, plain: null });
  });
});
