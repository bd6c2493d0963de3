import { describe, expect, it } from "vitest";
import type { ServerFrame } from "../src/protocol";
import { RoomOutput } from "../src/room/output";
import { api, eventually, newRoom, newUser } from "./helpers";
import { connect, type TestSocket } from "./socket";
import type { Message } from "./types";

const messages = (s: TestSocket) =>
  s.frames.filter((f): f is Extract<ServerFrame, { type: "message" }> => f.type === "message");

describe("batches (?batch=1)", () => {
  it("what one turn produces arrives as one frame, in order; other sockets get one frame per event", async () => {
    const alice = await newUser("alice");
    const room = await newRoom(alice);
    const { socket: batched } = await connect(room.id, alice.token, { batch: true });
    const { socket: single } = await connect(room.id, alice.token);
    const root = await api<Message>("POST", `/message/rooms/${room.id}/messages`, {
      token: alice.token,
      json: { content: "root" },
    });
    // A reply is two timeline events from one call: the message, then its root's thread counters.
    const reply = await api<Message>("POST", `/message/rooms/${room.id}/messages`, {
      token: alice.token,
      json: { content: "reply", reply_to: root.body.id },
    });
    expect(reply.status).toBe(201);
    await batched.next("thread.updated");
    await single.next("thread.updated");

    // (The root's message may share that frame too: what one turn of the room produced.)
    const batch = batched.received.find(
      (f) => Array.isArray(f) && f.some((x) => x.type === "thread.updated"),
    );
    expect(Array.isArray(batch) && batch.slice(-2)).toEqual([
      expect.objectContaining({ type: "message", id: reply.body.id }),
      expect.objectContaining({ type: "thread.updated", message_id: root.body.id, reply_count: 1 }),
    ]);
    expect(single.received.every((f) => !Array.isArray(f))).toBe(true);
    // The same events in the same order either way.
    const seqsOf = (s: TestSocket) =>
      s.frames.flatMap((f) => ("seq" in f && f.type !== "ack" ? [f.seq] : []));
    expect(seqsOf(batched)).toEqual(seqsOf(single));
  });

  it("a burst from another socket reaches a batching socket exactly once and in order, its acks after its events", async () => {
    const alice = await newUser("alice");
    const bob = await newUser("bob");
    const room = await newRoom(alice);
    const { socket: watcher } = await connect(room.id, bob.token, { batch: true });
    const { socket: sender } = await connect(room.id, alice.token, { batch: true });
    const n = 15; // within the write burst (RATE_BURST)
    for (let i = 0; i < n; i++) {
      sender.send({ type: "message.send", content: `m${i}`, client_id: `c${i}` });
    }
    await eventually(() => expect(messages(watcher)).toHaveLength(n));
    await eventually(() => expect(sender.frames.filter((f) => f.type === "ack")).toHaveLength(n));
    expect(messages(watcher).map((m) => m.content)).toEqual(Array.from({ length: n }, (_, i) => `m${i}`));
    const seqs = messages(watcher).map((m) => m.seq);
    expect(seqs).toEqual(Array.from({ length: n }, (_, i) => (seqs[0] ?? 0) + i));
    // On the sender's socket each message's event comes before its ack, as without batches.
    const order = sender.frames.filter((f) => f.type === "message" || f.type === "ack");
    for (let i = 0; i < n; i++) {
      expect(order[2 * i]).toMatchObject({ type: "message", content: `m${i}` });
      expect(order[2 * i + 1]).toMatchObject({ type: "ack", client_id: `c${i}` });
    }
  });

  it("frames queued for a socket leave before its close", async () => {
    // The room closes a socket (removal, ban, deletion) in the same turn as it may have queued
    // frames for it; those frames must not be lost behind the close.
    const { 0: client, 1: server } = new WebSocketPair();
    const received: Array<ServerFrame | ServerFrame[]> = [];
    let closed: number | null = null;
    client.addEventListener("message", (e) => received.push(JSON.parse(e.data as string)));
    client.addEventListener("close", (e) => {
      closed = e.code;
    });
    client.accept();
    server.accept();
    const out = new RoomOutput({ getWebSockets: () => [] }, { commit() {}, whenLost() {} }, { kick() {} });
    out.accepted(server, true);
    out.send(server, { type: "pong" });
    out.send(server, { type: "typing", user: { id: 1, username: "a" } });
    out.close([server], 4403, "removed from the room");
    await eventually(() => expect(closed).toBe(4403));
    expect(received).toEqual([[{ type: "pong" }, { type: "typing", user: { id: 1, username: "a" } }]]);
  });
});
