import { afterEach, describe, expect, it } from "vitest";
import {
  type AckFrame,
  DEFAULT_SEND_WINDOW,
  RoomSocket,
  type RoomSocket as RoomSocketType,
  type TimelineEvent,
} from "../../client/src";
import { baseUrl, eventually, newUser } from "./helpers";
import { startProxy } from "./proxy";

const sockets: RoomSocketType[] = [];
const open = (opts: ConstructorParameters<typeof RoomSocket>[0]) => {
  const s = new RoomSocket({ backoff: { minMs: 100, maxMs: 1000, jitterMs: 100 }, ...opts });
  sockets.push(s);
  return s;
};
afterEach(() => {
  for (const s of sockets.splice(0)) s.close();
});

/** Collects a socket's timeline events and resolves `ready` frames as they come. */
function record(socket: RoomSocketType) {
  const events: TimelineEvent[] = [];
  const readies: Array<{ recovered: boolean | null; replay_count: number }> = [];
  socket.on("event", (e) => events.push(e));
  socket.on("ready", (r) => readies.push(r));
  return { events, readies };
}

describe("the typed client against the real server", () => {
  it("connects with the token in the subprotocol and delivers messages both ways", async () => {
    const alice = await newUser("alice");
    const bob = await newUser("bob");
    const room = await alice.api.createRoom({ name: "both-ways", kind: "public" });
    const a = open({ baseUrl: baseUrl(), roomId: room.id, token: alice.token });
    const b = open({ baseUrl: baseUrl(), roomId: room.id, token: bob.token });
    const seenByA = record(a);
    const seenByB = record(b);
    await eventually(() => expect(seenByA.readies.length + seenByB.readies.length).toBe(2));
    const ackA = await a.send("hi bob");
    const ackB = await b.send("hi alice");
    expect(ackB.seq).toBe(ackA.seq + 1);
    await eventually(() => {
      expect(seenByA.events.map((e) => e.type === "message" && e.content)).toEqual(["hi bob", "hi alice"]);
      expect(seenByB.events.map((e) => e.type === "message" && e.content)).toEqual(["hi bob", "hi alice"]);
    });
  });

  it("survives a network drop in the middle of a burst: every send acked exactly once, in order, nothing missed or doubled", async () => {
    const alice = await newUser("alice");
    const bob = await newUser("bob");
    const room = await alice.api.createRoom({ name: "burst", kind: "public" });
    const proxy = await startProxy(new URL(baseUrl()));
    try {
      // Alice goes through a proxy that cuts her connection mid-burst; Bob watches directly.
      const a = open({ baseUrl: proxy.baseUrl, roomId: room.id, token: alice.token });
      const b = open({ baseUrl: baseUrl(), roomId: room.id, token: bob.token });
      const seenByA = record(a);
      const seenByB = record(b);
      await eventually(() => expect(seenByA.readies.length + seenByB.readies.length).toBe(2));

      const total = 40;
      const acks: AckFrame[] = [];
      const sends = Array.from({ length: total }, (_, i) =>
        a.send(`burst ${i}`).then((ack) => acks.push(ack)),
      );
      await eventually(() => expect(acks.length).toBeGreaterThanOrEqual(8), 10_000);
      proxy.cut();
      await Promise.all(sends);

      // Acked once each, in call order, with consecutive seqs (some may be `duplicate`: a retry
      // of a send the server stored before the drop returns the first ack).
      expect(acks.map((x) => x.client_id)).toEqual([...new Set(acks.map((x) => x.client_id))]);
      const seqs = acks.map((x) => x.seq);
      const first = seqs[0] ?? 0;
      expect(seqs).toEqual(seqs.map((_, i) => first + i));
      expect(seenByA.readies.length).toBeGreaterThanOrEqual(2);
      expect(seenByA.readies.at(-1)?.recovered).toBe(true);

      const contents = Array.from({ length: total }, (_, i) => `burst ${i}`);
      await eventually(() => {
        for (const seen of [seenByA, seenByB]) {
          expect(seen.events.map((e) => e.type === "message" && e.content)).toEqual(contents);
        }
      });
      const history = await bob.api.history(room.id, { limit: 100 });
      expect(history.map((m) => m.content)).toEqual(contents);
    } finally {
      await proxy.close();
    }
  });

  it("pipelines a window of sends and keeps them in call order under rate limiting, once each", async () => {
    const alice = await newUser("alice");
    const room = await alice.api.createRoom({ name: "window", kind: "public" });
    // Counts the sends that leave, to see the window in use (16 at once, not one per round trip).
    let sent = 0;
    class CountingWebSocket extends WebSocket {
      override send(data: string) {
        if (data.includes('"message.send"')) sent++;
        super.send(data);
      }
    }
    const a = open({ baseUrl: baseUrl(), roomId: room.id, token: alice.token, WebSocket: CountingWebSocket });
    const appErrors: unknown[] = [];
    a.on("error", (e) => appErrors.push(e));
    expect((await a.whenReady()).ordered).toBe(true);
    // 40 sends against the server's default limit (burst 20, then 10 a second): some are refused
    // for now, and the later ones on the wire are held until the client sends those again.
    const total = 40;
    const acks: AckFrame[] = [];
    const sends = Array.from({ length: total }, (_, i) => a.send(`w ${i}`).then((ack) => acks.push(ack)));
    expect(sent).toBe(DEFAULT_SEND_WINDOW);
    await Promise.all(sends);
    expect(sent).toBeGreaterThan(total);
    const seqs = acks.map((x) => x.seq);
    expect(seqs).toEqual(seqs.map((_, i) => (seqs[0] ?? 0) + i));
    expect(acks.every((x) => !x.duplicate)).toBe(true);
    expect(appErrors).toEqual([]);
    const history = await alice.api.history(room.id, { limit: 100 });
    expect(history.map((m) => m.content)).toEqual(Array.from({ length: total }, (_, i) => `w ${i}`));
  });

  it("stops on 4401 unless the token hook gives a new token, and stops for good on 4404", async () => {
    const alice = await newUser("alice");
    const room = await alice.api.createRoom({ name: "tokens", kind: "public" });

    const refused = open({ baseUrl: baseUrl(), roomId: room.id, token: "not-a-jwt" });
    const closed = await new Promise((r) => refused.on("closed", r));
    expect(closed).toMatchObject({ reason: "unauthorized", code: 4401 });

    let refreshes = 0;
    const refreshed = open({
      baseUrl: baseUrl(),
      roomId: room.id,
      token: "expired-or-forged",
      refreshToken: async () => {
        refreshes++;
        return alice.token;
      },
    });
    const ready = await new Promise<{ user: { id: number } }>((r) => refreshed.on("ready", r));
    expect(ready.user.id).toBe(alice.user.id);
    expect(refreshes).toBe(1);

    const gone = open({ baseUrl: baseUrl(), roomId: 987_654_321, token: alice.token });
    expect(await new Promise((r) => gone.on("closed", r))).toMatchObject({ reason: "not_found", code: 4404 });
  });

  it("echoes the server's sync markers: a resume larger than half its send window arrives whole, in order", async () => {
    const alice = await newUser("alice");
    const room = await alice.api.createRoom({ name: "long-replay", kind: "public" });
    // 140 messages of 4,000 characters (≈ 600 Ki characters of frames) by 7 users (rate limits):
    // the room sends half a window (512 Ki) unconfirmed, then waits for the client's echoes.
    const authors = [alice, ...(await Promise.all(Array.from({ length: 6 }, () => newUser("author"))))];
    for (const u of authors.slice(1)) await u.api.joinRoom(room.id);
    const text = (i: number) => `${String(i).padStart(4, "0")} ${"x".repeat(3990)}`;
    for (let i = 1; i <= 140; i++) {
      const author = authors[(i - 1) % authors.length] as (typeof authors)[number];
      await author.api.request("POST", `/message/rooms/${room.id}/messages`, { content: text(i) });
    }
    const first = open({ baseUrl: baseUrl(), roomId: room.id, token: alice.token });
    const { epoch } = await first.whenReady();
    first.close();
    const resumed = open({
      baseUrl: baseUrl(),
      roomId: room.id,
      token: alice.token,
      resumeFrom: { seq: 0, epoch },
    });
    const seen = record(resumed);
    await eventually(() => expect(seen.events.length).toBe(140), 20_000);
    expect(seen.events.map((e) => e.seq)).toEqual(Array.from({ length: 140 }, (_, i) => i + 1));
    expect(seen.readies).toMatchObject([{ recovered: true, replay_count: 140 }]);
  });
});
