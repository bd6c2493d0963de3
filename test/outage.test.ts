import { evictDurableObject, runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { roomStub } from "../src/room/stub";
import { api, eventually, newRoom, newUser, storedMessages } from "./helpers";
import { connect, seqs } from "./socket";

/** Takes the worker's database connection down or up (the bridge cuts and refuses connections). */
async function database(state: "down" | "up") {
  const control = (env as unknown as { BRIDGE_CONTROL: string }).BRIDGE_CONTROL;
  const res = await fetch(`${control}/__bridge/${state}`);
  expect(res.status).toBe(200);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("PostgreSQL unreachable", () => {
  it("keeps accepting and broadcasting; the backlog lands in order, exactly once, even across an eviction", async () => {
    const alice = await newUser();
    const bob = await newUser();
    const room = await newRoom(alice);
    const a = (await connect(room.id, alice.token)).socket;
    const b = (await connect(room.id, bob.token)).socket;
    a.send("before 1");
    a.send("before 2");
    await a.take(2, "ack");
    await eventually(async () => expect(await storedMessages(room.id)).toHaveLength(2));

    await database("down");
    try {
      for (let i = 3; i <= 6; i++)
        a.send({ type: "message.send", content: `during ${i}`, client_id: `d${i}` });
      expect(seqs(await a.take(4, "ack"))).toEqual([3, 4, 5, 6]);
      await sleep(1200); // several failed copies, with backoff
      expect(await storedMessages(room.id)).toHaveLength(2);

      // Evicted mid-backlog: the backlog lives in the object's storage, not in memory.
      await evictDurableObject(roomStub(env, room.id));
      a.send({ type: "message.send", content: "during 7", client_id: "d7" });
      expect((await a.next("ack")).seq).toBe(7);
      // A retry of an earlier send is still recognised after the eviction.
      a.send({ type: "message.send", content: "during 3", client_id: "d3" });
      expect(await a.next("ack")).toMatchObject({ seq: 3, duplicate: true });
      expect(await storedMessages(room.id)).toHaveLength(2);
    } finally {
      await database("up");
    }

    await runDurableObjectAlarm(roomStub(env, room.id));
    const rows = await eventually(async () => {
      const r = await storedMessages(room.id);
      expect(r).toHaveLength(7);
      return r;
    }, 15_000);
    expect(rows.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(rows.map((r) => r.content)).toEqual([
      "before 1",
      "before 2",
      "during 3",
      "during 4",
      "during 5",
      "during 6",
      "during 7",
    ]);
    expect(seqs(await b.take(7, "message"))).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(b.pending("message")).toEqual([]);
    a.close();
    b.close();
  });

  it("REST history reads its own writes before they reach PostgreSQL", async () => {
    const alice = await newUser();
    const room = await newRoom(alice);
    const { socket } = await connect(room.id, alice.token);
    await database("down");
    try {
      for (let i = 1; i <= 3; i++) socket.send(`unsynced ${i}`);
      await socket.take(3, "ack");
      await sleep(2500); // enough failures that the next retry is seconds away
    } finally {
      await database("up");
    }
    const page = await api("GET", `/message/rooms/${room.id}/messages`, { token: alice.token });
    const stored = await storedMessages(room.id);
    expect(page.body.map((m: { seq: number; content: string }) => [m.seq, m.content])).toEqual([
      [1, "unsynced 1"],
      [2, "unsynced 2"],
      [3, "unsynced 3"],
    ]);
    // The page could only have come from the room object: PostgreSQL did not have them yet.
    expect(stored.length).toBeLessThan(3);
    await runDurableObjectAlarm(roomStub(env, room.id));
    await eventually(async () => expect(await storedMessages(room.id)).toHaveLength(3));
    socket.close();
  });
});
