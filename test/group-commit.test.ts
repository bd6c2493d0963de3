import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Bindings } from "../src/env";
import { roomStub } from "../src/room";
import { expectLogs } from "./expected-logs";
import { eventually, newRoom, newUser, storedMessages } from "./helpers";
import { connect, type FrameOf, seqs } from "./socket";

type Ack = FrameOf<"ack">;

/**
 * Socket sends are written with the others of their turn (src/room/timeline/group-commit.ts). These tests
 * check what that must never change: a retried client_id in the same turn is still a duplicate,
 * and when the write fails nothing about the unwritten events leaves the room, the sequence has
 * no gap, and the room goes on.
 */
describe("group commit of socket sends", () => {
  it("a client_id retried within the same turn is answered as a duplicate", async () => {
    const alice = await newUser("alice");
    const room = await newRoom(alice);
    const { socket } = await connect(room.id, alice.token, { batch: true });
    const frame = JSON.stringify({ type: "message.send", content: "once", client_id: "same" });
    // Both frames are handed to the room within one turn of its event loop, for certain; two
    // socket.send calls may reach it in two turns, where the first is long written.
    await runInDurableObject(roomStub(env as unknown as Bindings, room.id), async (room, state) => {
      const [ws] = state.getWebSockets(`u:${alice.id}`);
      if (!ws) throw new Error("no socket");
      const written = () =>
        state.storage.sql.exec("SELECT count(*) AS n FROM events WHERE client_id = 'same'").one().n;
      // A first send leaves at once (a quiet room) and its write is then in flight: what follows
      // in this turn waits for the batch's timer. Awaiting a handler takes only microtasks.
      await room.webSocketMessage(ws, JSON.stringify({ type: "message.send", content: "first" }));
      await room.webSocketMessage(ws, frame);
      // Group commit: the first send is sequenced but not yet written when the second arrives,
      // and its retry is found among the pending rows without writing them.
      expect(written()).toBe(0);
      await room.webSocketMessage(ws, frame);
      expect(written()).toBe(0);
    });
    const [, first, second] = (await socket.take(3, "ack")) as Ack[];
    expect(first).toMatchObject({ client_id: "same", duplicate: false });
    expect(second).toMatchObject({ client_id: "same", duplicate: true, id: first?.id, seq: first?.seq });
    // What one turn produced reached the batching socket as one frame: both acks together.
    expect(
      socket.received.some(
        (f) => Array.isArray(f) && f.filter((x) => x.type === "ack" && x.client_id === "same").length === 2,
      ),
    ).toBe(true);
    await eventually(async () =>
      expect((await storedMessages(room.id)).map((m) => m.content)).toEqual(["first", "once"]),
    );
  });

  it("in a busy room a socket send writes nothing in its own turn: the unread index goes with its event's row", async () => {
    const alice = await newUser("alice");
    const room = await newRoom(alice);
    const { socket } = await connect(room.id, alice.token, { batch: true });
    const frame = JSON.stringify({ type: "message.send", content: "indexed", client_id: "i1" });
    await runInDurableObject(roomStub(env as unknown as Bindings, room.id), async (room, state) => {
      const [ws] = state.getWebSockets(`u:${alice.id}`);
      if (!ws) throw new Error("no socket");
      const count = (table: string) => state.storage.sql.exec(`SELECT count(*) AS n FROM ${table}`).one().n;
      await room.webSocketMessage(ws, JSON.stringify({ type: "message.send", content: "first" }));
      await room.webSocketMessage(ws, frame);
      // Its row waits for the batch, and so does its index row: any write in the turn would make
      // the runtime commit (an fsync locally) for it alone.
      const mine = state.storage.sql.exec("SELECT count(*) AS n FROM events WHERE client_id = 'i1'").one().n;
      expect([mine, count("unread_index")]).toEqual([0, count("events")]);
    });
    await socket.take(2, "ack");
    await runInDurableObject(roomStub(env as unknown as Bindings, room.id), (_room, state) => {
      const n = state.storage.sql.exec("SELECT count(*) AS n FROM unread_index").one().n;
      expect(n).toBe(2);
    });
  });

  it("pipelined sends with client_ids, one event each, are one commit: a retry check writes nothing", async () => {
    const alice = await newUser("alice");
    const room = await newRoom(alice);
    const { socket } = await connect(room.id, alice.token, { batch: true, ordered: true });
    await runInDurableObject(roomStub(env as unknown as Bindings, room.id), async (room, state) => {
      const [ws] = state.getWebSockets(`u:${alice.id}`);
      if (!ws) throw new Error("no socket");
      const written = () =>
        state.storage.sql.exec("SELECT count(*) AS n FROM events WHERE client_id LIKE 'w%'").one().n;
      await room.webSocketMessage(ws, JSON.stringify({ type: "message.send", content: "first" }));
      // A window of sends as the typed client keeps on the wire: each is a webSocketMessage event
      // of its own and asks for its client_id's earlier copy. An event that writes ends in a commit
      // of its own (an fsync locally): a check that wrote the previous send's row made each send
      // one commit (issue 25: a lone typed client at ≈ 500 acks/s whatever its window).
      for (let i = 0; i < 8; i++) {
        await room.webSocketMessage(
          ws,
          JSON.stringify({ type: "message.send", content: `w${i}`, client_id: `w${i}` }),
        );
        expect(written()).toBe(0);
      }
    });
    const acks = (await socket.take(9, "ack")) as Ack[];
    expect(acks.map((a) => a.duplicate)).toEqual(Array(9).fill(false));
    await eventually(async () =>
      expect((await storedMessages(room.id)).map((m) => m.content)).toEqual([
        "first",
        ...Array.from({ length: 8 }, (_, i) => `w${i}`),
      ]),
    );
  });

  it("a REST send retrying a socket send still pending is answered only once that send is written", async () => {
    const alice = await newUser("alice");
    const room = await newRoom(alice);
    await connect(room.id, alice.token, { batch: true });
    await runInDurableObject(roomStub(env as unknown as Bindings, room.id), async (obj, state) => {
      const [ws] = state.getWebSockets(`u:${alice.id}`);
      if (!ws) throw new Error("no socket");
      const written = () =>
        state.storage.sql.exec("SELECT count(*) AS n FROM events WHERE client_id = 'both'").one().n;
      await obj.webSocketMessage(ws, JSON.stringify({ type: "message.send", content: "first" }));
      await obj.webSocketMessage(
        ws,
        JSON.stringify({ type: "message.send", content: "x", client_id: "both" }),
      );
      expect(written()).toBe(0); // pending: the socket's ack waits for the flush's commit
      const who = { user: { id: alice.id, username: alice.username }, isAdmin: false };
      const send = { content: "x", clientId: "both", replyTo: null, files: [] };
      const reply = await obj.sendMessage(room.id, who, send);
      // The reply is held for the commit of what this call wrote: the duplicate's row must be in it.
      expect(written()).toBe(1);
      expect(reply).toMatchObject({ ok: true, value: { duplicate: true } });
    });
  });

  it("when the write fails, unwritten events are never sent or acknowledged, and the room goes on", async () => {
    expectLogs(/^room: events could not be written/, /^room: frames held back/);
    const alice = await newUser("alice");
    const room = await newRoom(alice);
    const first = await connect(room.id, alice.token, { batch: true });
    first.socket.send({ type: "message.send", content: "before", client_id: "c0" });
    const before = (await first.socket.next("ack")) as Ack;

    // Make the room's own storage refuse one message, as a full disk would.
    await runInDurableObject(roomStub(env as unknown as Bindings, room.id), (_room, state) => {
      state.storage.sql.exec(
        `CREATE TRIGGER poison BEFORE INSERT ON events WHEN NEW.content = 'poison'
         BEGIN SELECT RAISE(ABORT, 'disk full'); END`,
      );
    });
    first.socket.send({ type: "message.send", content: "poison", client_id: "c1" });
    const closed = await first.socket.waitClosed();
    expect(closed.code).toBe(1011);
    const acked = first.socket.frames.filter((f): f is Ack => f.type === "ack").map((a) => a.client_id);
    expect(acked).toEqual(["c0"]);
    expect(first.socket.frames.some((f) => f.type === "message" && f.content === "poison")).toBe(false);

    await runInDurableObject(roomStub(env as unknown as Bindings, room.id), (_room, state) => {
      state.storage.sql.exec("DROP TRIGGER poison");
    });
    // The client resumes and resends what was not acknowledged, by client_id.
    const again = await connect(room.id, alice.token, { batch: true, since: before.seq });
    expect(again.ready.recovered).toBe(true);
    expect(again.ready.last_seq).toBe(before.seq);
    again.socket.send({ type: "message.send", content: "after", client_id: "c1" });
    const after = (await again.socket.next("ack")) as Ack;
    expect(after).toMatchObject({ duplicate: false, seq: before.seq + 1 });
    const live = await again.socket.take(1, "message");
    expect(seqs(live)).toEqual([before.seq + 1]);
    await eventually(async () =>
      expect((await storedMessages(room.id)).map((m) => [m.seq, m.content])).toEqual([
        [before.seq, "before"],
        [before.seq + 1, "after"],
      ]),
    );
  });
});
