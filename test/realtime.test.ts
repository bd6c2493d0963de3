import { abortAllDurableObjects, evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { roomStub } from "../src/room";
import {
  api,
  type ErrorBody,
  eventually,
  type Message,
  newRoom,
  newUser,
  type PasswordChanged,
  storedMessages,
} from "./helpers";
import { connect, type FrameOf, openSocket, seqs } from "./socket";

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe("connecting to /ws/{room_id}", () => {
  it("accepts ?token= and greets with ready: room, me, last seq, who is online", async () => {
    const alice = await newUser();
    const room = await newRoom(alice);
    const { socket, ready } = await connect(room.id, alice.token);
    expect(ready).toMatchObject({
      type: "ready",
      protocol: 1,
      room_id: room.id,
      user: { id: alice.id, username: alice.username },
      last_seq: 0,
      recovered: null,
    });
    expect(ready.online).toEqual([{ id: alice.id, username: alice.username }]);
    expect(typeof ready.epoch).toBe("string");
    socket.close();
  });

  it("declines permessage-deflate, which browsers offer: small frames, a deflate per receiver", async () => {
    const alice = await newUser();
    const room = await newRoom(alice);
    const { socket, response } = await openSocket(room.id, alice.token, {
      extensions: "permessage-deflate; client_max_window_bits",
    });
    expect(response.status).toBe(101);
    expect(response.headers.get("sec-websocket-extensions") ?? "").not.toContain("permessage-deflate");
    expect((await socket?.next("ready"))?.user.id).toBe(alice.id);
    socket?.close();
  });

  it("accepts the token in Sec-WebSocket-Protocol and echoes the roomcast.v1 subprotocol", async () => {
    const alice = await newUser();
    const room = await newRoom(alice);
    const { socket, response } = await openSocket(room.id, alice.token, {
      useQueryToken: false,
      protocols: ["roomcast.v1", `bearer.${alice.token}`],
    });
    expect(response.status).toBe(101);
    expect(response.headers.get("sec-websocket-protocol")).toBe("roomcast.v1");
    expect((await socket?.next("ready"))?.user.id).toBe(alice.id);
    socket?.close();
  });

  it("refuses an upgrade with a close a browser can read: 4401 without or with a bad token, 4404 for unknown or hidden rooms, 4400 for a bad id; 426 without upgrade", async () => {
    const alice = await newUser();
    const bob = await newUser();
    const room = await newRoom(alice);
    const hidden = await newRoom(alice, { kind: "private" });
    const cases: Array<[number | string, string | null, number, string]> = [
      [room.id, null, 4401, "unauthorized"],
      [room.id, "not-a-jwt", 4401, "unauthorized"],
      [987_654, bob.token, 4404, "not_found"],
      [hidden.id, bob.token, 4404, "not_found"],
      ["abc", bob.token, 4400, "validation_error"],
    ];
    for (const [id, token, code, reason] of cases) {
      const { socket, refusal } = await openSocket(id, token);
      expect(socket).toBeNull();
      expect(refusal).toEqual({ code, reason });
    }
    const plain = await api<ErrorBody>("GET", `/ws/${room.id}?token=${alice.token}`);
    expect(plain.status).toBe(426);
    expect(plain.body.error.code).toBe("upgrade_required");
  });

  it("refuses a token revoked by a password change with close 4401", async () => {
    const alice = await newUser();
    const room = await newRoom(alice);
    const change = await api<PasswordChanged>("POST", "/user/update_password", {
      token: alice.token,
      json: { current_password: alice.password, new_password: "another horse battery" },
    });
    expect(change.status).toBe(200);
    expect((await openSocket(room.id, alice.token)).refusal).toEqual({ code: 4401, reason: "unauthorized" });
    const fresh = await openSocket(room.id, change.body.access_token);
    expect(fresh.socket).not.toBeNull();
    fresh.socket?.close();
  });

  it("never echoes the bearer token as the subprotocol, and echoes roomcast.v1 on refusals too", async () => {
    const alice = await newUser();
    const room = await newRoom(alice);
    const onlyBearer = await openSocket(room.id, alice.token, {
      useQueryToken: false,
      protocols: [`bearer.${alice.token}`],
    });
    expect(onlyBearer.response.headers.get("sec-websocket-protocol")).toBeNull();
    expect((await onlyBearer.socket?.next("ready"))?.user.id).toBe(alice.id);
    onlyBearer.socket?.close();
    const refused = await openSocket(room.id, null, {
      useQueryToken: false,
      protocols: ["roomcast.v1", "bearer.expired-or-forged"],
    });
    expect(refused.response.headers.get("sec-websocket-protocol")).toBe("roomcast.v1");
    expect(refused.refusal?.code).toBe(4401);
  });

  it("cannot claim another identity with headers", async () => {
    const alice = await newUser();
    const mallory = await newUser();
    const room = await newRoom(alice);
    const { socket, ready } = await connect(room.id, mallory.token, {});
    expect(ready.user.id).toBe(mallory.id);
    socket.close();
    const { exports } = await import("cloudflare:workers");
    const res = await exports.default.fetch(
      new Request(`http://roomcast.test/ws/${room.id}?token=${mallory.token}`, {
        headers: {
          upgrade: "websocket",
          "x-roomcast-user": JSON.stringify({ id: alice.id, username: alice.username }),
        },
      }),
    );
    res.webSocket?.accept();
    const first = await new Promise<string>((r) =>
      res.webSocket?.addEventListener("message", (e) => r(e.data as string)),
    );
    expect((JSON.parse(first) as FrameOf<"ready">).user.id).toBe(mallory.id);
    res.webSocket?.close();
  });

  it("refuses more sockets per user and room than the limit with close 4429", async () => {
    const alice = await newUser();
    const room = await newRoom(alice);
    const open = [];
    for (let i = 0; i < 5; i++) open.push((await connect(room.id, alice.token)).socket);
    const { socket, refusal } = await openSocket(room.id, alice.token);
    expect(socket).toBeNull();
    expect(refusal).toEqual({ code: 4429, reason: "too_many_sockets" });
    for (const s of open) s.close();
  });
});

describe("the room's timeline", () => {
  it("sequences sends in arrival order even when a mention or a reply must read first", async () => {
    const alice = await newUser();
    const bob = await newUser();
    const room = await newRoom(alice);
    const b = (await connect(room.id, bob.token)).socket;
    const a = (await connect(room.id, alice.token)).socket;
    a.send({ type: "message.send", content: "root", client_id: "o0" });
    const root = await a.next("ack");
    // A mention and a reply may read PostgreSQL before they are sequenced; plain sends behind them wait.
    const sends = [
      { content: `hi @${bob.username}`, client_id: "o1" },
      { content: "plain after the mention", client_id: "o2" },
      { content: "a reply", client_id: "o3", reply_to: root.id },
      { content: "plain after the reply", client_id: "o4" },
    ];
    for (const f of sends) a.send({ type: "message.send", ...f });
    const acks = await a.take(4, "ack");
    expect(acks.map((f) => f.client_id)).toEqual(["o1", "o2", "o3", "o4"]);
    const seqsInOrder = acks.map((f) => f.seq);
    expect(seqsInOrder).toEqual([...seqsInOrder].sort((x, y) => x - y));
    const got = (await b.take(5, "message")).map((m) => m.client_id);
    expect(got).toEqual(["o0", "o1", "o2", "o3", "o4"]);
  });

  it("broadcasts to every socket in seq order, the sender's other sockets included, and acks the sender", async () => {
    const alice = await newUser();
    const room = await newRoom(alice);
    const sender = (await connect(room.id, alice.token)).socket;
    const senderTwin = (await connect(room.id, alice.token)).socket;
    const receivers = [];
    for (let i = 0; i < 8; i++) {
      const u = await newUser();
      receivers.push((await connect(room.id, u.token)).socket);
    }
    for (let i = 1; i <= 15; i++) sender.send({ type: "message.send", content: `m${i}`, client_id: `c${i}` });
    const acks = await sender.take(15, "ack");
    expect(acks.map((a) => a.client_id)).toEqual(range(1, 15).map((i) => `c${i}`));
    expect(seqs(acks)).toEqual(range(1, 15));
    for (const s of [sender, senderTwin, ...receivers]) {
      const got = await s.take(15, "message");
      expect(seqs(got)).toEqual(range(1, 15));
      expect(got.map((m) => m.content)).toEqual(range(1, 15).map((i) => `m${i}`));
      expect(got[0]).toMatchObject({ room_id: room.id, user_id: alice.id, username: alice.username });
    }
    for (const s of [sender, senderTwin, ...receivers]) s.close();
  });

  it("treats a plain-text frame as a send, as the original service did", async () => {
    const alice = await newUser();
    const room = await newRoom(alice);
    const { socket } = await connect(room.id, alice.token);
    socket.send("hello from an old client");
    expect(await socket.next("message")).toMatchObject({ seq: 1, content: "hello from an old client" });
    expect(await socket.next("ack")).toMatchObject({ seq: 1, client_id: null, duplicate: false });
    socket.close();
  });

  it("answers a repeated client_id with the first ack and no second message", async () => {
    const alice = await newUser();
    const bob = await newUser();
    const room = await newRoom(alice);
    const a = (await connect(room.id, alice.token)).socket;
    const b = (await connect(room.id, bob.token)).socket;
    a.send({ type: "message.send", content: "once", client_id: "retry-me" });
    const first = await a.next("ack");
    a.send({ type: "message.send", content: "once", client_id: "retry-me" });
    const second = await a.next("ack");
    expect(second).toMatchObject({ id: first.id, seq: first.seq, duplicate: true });
    // The same client_id from another user is another message.
    b.send({ type: "message.send", content: "mine", client_id: "retry-me" });
    expect((await b.next("ack")).seq).toBe(2);
    expect(seqs(await a.take(2, "message"))).toEqual([1, 2]);
    // Over REST too: a retry answers 200 with the original message.
    const rest1 = await api<Message>("POST", `/message/rooms/${room.id}/messages`, {
      token: alice.token,
      json: { content: "via rest", client_id: "rest-1" },
    });
    const rest2 = await api<Message>("POST", `/message/rooms/${room.id}/messages`, {
      token: alice.token,
      json: { content: "via rest", client_id: "rest-1" },
    });
    expect([rest1.status, rest2.status]).toEqual([201, 200]);
    expect(rest2.body.id).toBe(rest1.body.id);
    a.close();
    b.close();
  });

  it("shares one sequence between REST and socket sends, and REST sends are broadcast", async () => {
    const alice = await newUser();
    const room = await newRoom(alice);
    const { socket } = await connect(room.id, alice.token);
    socket.send({ type: "message.send", content: "ws 1" });
    await socket.next("ack");
    const rest = await api<Message>("POST", `/message/rooms/${room.id}/messages`, {
      token: alice.token,
      json: { content: "rest 2" },
    });
    expect(rest.body.seq).toBe(2);
    socket.send({ type: "message.send", content: "ws 3" });
    const live = await socket.take(3, "message");
    expect(live.map((m) => [m.seq, m.content])).toEqual([
      [1, "ws 1"],
      [2, "rest 2"],
      [3, "ws 3"],
    ]);
    socket.close();
  });

  it("copies every message to PostgreSQL exactly once, in seq order", async () => {
    const alice = await newUser();
    const room = await newRoom(alice);
    const { socket } = await connect(room.id, alice.token);
    for (let i = 1; i <= 12; i++) socket.send({ type: "message.send", content: `p${i}` });
    await socket.take(12, "ack");
    const rows = await eventually(async () => {
      const r = await storedMessages(room.id);
      expect(r).toHaveLength(12);
      return r;
    });
    expect(rows.map((r) => r.seq)).toEqual(range(1, 12));
    expect(rows.map((r) => r.content)).toEqual(range(1, 12).map((i) => `p${i}`));
    socket.close();
  });

  it("announces presence when people come and go", async () => {
    const alice = await newUser();
    const bob = await newUser();
    const room = await newRoom(alice);
    const a = (await connect(room.id, alice.token)).socket;
    const b = await connect(room.id, bob.token);
    expect(b.ready.online.map((u) => u.id).sort()).toEqual([alice.id, bob.id].sort());
    expect(await a.next("presence")).toMatchObject({ event: "join", user: { id: bob.id } });
    b.socket.close();
    expect(await a.next("presence")).toMatchObject({ event: "leave", user: { id: bob.id } });
    a.close();
  });

  it("answers the ping frame with pong without a message", async () => {
    const alice = await newUser();
    const room = await newRoom(alice);
    const { socket } = await connect(room.id, alice.token);
    socket.send('{"type":"ping"}');
    expect(await socket.next("pong")).toEqual({ type: "pong" });
    socket.close();
  });
});

describe("resume", () => {
  it("replays every event after since= in order, then live events, with no duplicate", async () => {
    const alice = await newUser();
    const room = await newRoom(alice);
    const a = (await connect(room.id, alice.token)).socket;
    for (let i = 1; i <= 4; i++) a.send({ type: "message.send", content: `r${i}` });
    await a.take(4, "ack");
    const { socket: b, ready } = await connect(room.id, alice.token, { since: 2 });
    expect(ready).toMatchObject({ recovered: true, last_seq: 4, replay_count: 2 });
    a.send({ type: "message.send", content: "r5" });
    expect(seqs(await b.take(3, "message"))).toEqual([3, 4, 5]);
    await a.next("ack");
    a.send({ type: "message.send", content: "r6" });
    expect((await b.next("message")).seq).toBe(6);
    expect(b.pending("message")).toEqual([]);
    a.close();
    b.close();
  });

  it("replays a gap older than the cache from PostgreSQL", async () => {
    const alice = await newUser();
    const room = await newRoom(alice);
    const a = (await connect(room.id, alice.token)).socket;
    // The test config keeps only ROOM_CACHE_EVENTS=5 events once they are in PostgreSQL.
    for (let i = 1; i <= 14; i++) a.send({ type: "message.send", content: `g${i}` });
    await a.take(14, "ack");
    await eventually(async () => expect(await storedMessages(room.id)).toHaveLength(14));
    const { socket: b, ready } = await connect(room.id, alice.token, { since: 1 });
    expect(ready).toMatchObject({ recovered: true, replay_count: 13 });
    const replay = await b.take(13, "message");
    expect(seqs(replay)).toEqual(range(2, 14));
    expect(replay.map((m) => m.content)).toEqual(range(2, 14).map((i) => `g${i}`));
    a.close();
    b.close();
  });

  it("says recovered: false for a seq from the future or another epoch, and replays nothing", async () => {
    const alice = await newUser();
    const room = await newRoom(alice);
    const a = (await connect(room.id, alice.token)).socket;
    a.send("one");
    await a.next("ack");
    const future = await connect(room.id, alice.token, { since: 50 });
    expect(future.ready).toMatchObject({ recovered: false, replay_count: 0, last_seq: 1 });
    const other = await connect(room.id, alice.token, { since: 0, epoch: "some-other-timeline" });
    expect(other.ready).toMatchObject({ recovered: false, replay_count: 0 });
    const same = await connect(room.id, alice.token, { since: 0, epoch: future.ready.epoch });
    expect(same.ready).toMatchObject({ recovered: true, replay_count: 1 });
    for (const s of [a, future.socket, other.socket, same.socket]) s.close();
  });
});

describe("hibernation and eviction", () => {
  it("keeps sockets, identity and the sequence across an eviction between messages", async () => {
    const alice = await newUser();
    const bob = await newUser();
    const room = await newRoom(alice);
    const a = (await connect(room.id, alice.token)).socket;
    const b = (await connect(room.id, bob.token)).socket;
    a.send("before 1");
    a.send("before 2");
    await a.take(2, "ack");
    await evictDurableObject(roomStub(env, room.id));
    a.send("after 3");
    expect(await a.next("ack")).toMatchObject({ seq: 3 });
    b.send("from bob 4");
    const atB = await b.take(4, "message");
    expect(atB.map((m) => [m.seq, m.user_id])).toEqual([
      [1, alice.id],
      [2, alice.id],
      [3, alice.id],
      [4, bob.id],
    ]);
    await eventually(async () =>
      expect((await storedMessages(room.id)).map((r) => r.seq)).toEqual([1, 2, 3, 4]),
    );
    a.close();
    b.close();
  });
});

describe("durable before visible", () => {
  it("never acknowledges a message that an abrupt reset of the room object would lose", async () => {
    const alice = await newUser();
    const room = await newRoom(alice);
    const { socket } = await connect(room.id, alice.token);
    for (let i = 1; i <= 5; i++)
      socket.send({ type: "message.send", content: `kept ${i}`, client_id: `k${i}` });
    const acks = await socket.take(5, "ack");
    // Not a graceful eviction: every running object is torn down at once, in-memory state gone.
    await abortAllDurableObjects();
    const again = await connect(room.id, alice.token, { since: 0 });
    expect(again.ready).toMatchObject({ recovered: true, last_seq: 5, replay_count: 5 });
    const replay = await again.socket.take(5, "message");
    expect(replay.map((m) => [m.seq, m.id, m.content])).toEqual(
      acks.map((a, i) => [a.seq, a.id, `kept ${i + 1}`]),
    );
    again.socket.close();
  });
});

describe("bad input over the socket", () => {
  it("answers each bad frame with an error frame carrying a stable code, and keeps the socket", async () => {
    const alice = await newUser();
    const room = await newRoom(alice);
    const { socket } = await connect(room.id, alice.token);
    const cases: Array<[string | object, string]> = [
      ["{not json", "invalid_json"],
      [{ type: "dance" }, "unknown_type"],
      [{ content: "no type" }, "unknown_type"],
      [{ type: "message.send" }, "invalid_frame"],
      [{ type: "message.send", content: "   " }, "empty_message"],
      [{ type: "message.send", content: "x".repeat(4001) }, "message_too_long"],
      [{ type: "message.send", content: "x".repeat(20_000) }, "frame_too_large"],
      [{ type: "message.send", content: "ok", client_id: "" }, "invalid_frame"],
    ];
    for (const [data, code] of cases) {
      socket.send(data);
      expect(await socket.next("error")).toMatchObject({ type: "error", code });
    }
    socket.ws.send(new Uint8Array([1, 2, 3]));
    expect(await socket.next("error")).toMatchObject({ code: "binary_not_supported" });
    // Still usable, and nothing above became a message.
    socket.send("finally fine");
    expect(await socket.next("ack")).toMatchObject({ seq: 1 });
    socket.close();
  });

  it("rate-limits sends per socket with an error frame for each refused send, never a silent drop", async () => {
    const alice = await newUser();
    const room = await newRoom(alice);
    const { socket } = await connect(room.id, alice.token);
    const n = 40;
    for (let i = 0; i < n; i++)
      socket.send({ type: "message.send", content: `burst ${i}`, client_id: `b${i}` });
    const answers = await (async () => {
      const out: FrameOf<"ack" | "error">[] = [];
      while (out.length < n) out.push(await socket.next(["ack", "error"]));
      return out;
    })();
    const acked = answers.filter((f) => f.type === "ack");
    const limited = answers.filter((f) => f.type === "error");
    expect(limited.length).toBeGreaterThan(0);
    expect(limited.every((f) => f.code === "rate_limited")).toBe(true);
    expect(acked.length + limited.length).toBe(n);
    expect(new Set(answers.map((f) => f.client_id)).size).toBe(n);
    socket.close();
  });
});

describe("deleting a room", () => {
  it("closes its sockets with 4404 and refuses new ones", async () => {
    const alice = await newUser();
    const room = await newRoom(alice);
    const { socket } = await connect(room.id, alice.token);
    socket.send("soon gone");
    await socket.next("ack");
    expect((await api("DELETE", `/room/${room.id}`, { token: alice.token })).status).toBe(204);
    expect((await socket.waitClosed()).code).toBe(4404);
    const again = await openSocket(room.id, alice.token);
    expect(again.refusal?.code).toBe(4404);
  });
});
