import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { courierStub } from "../src/courier/stub";
import type { Bindings } from "../src/env";
import { CloseCode } from "../src/protocol";
import { roomStub } from "../src/room";
import { holdCopies, holdCourier, hook, leaves, recordingNotices } from "./courier";
import { awayUser, pushesSettled } from "./fakes";
import { api, eventually, newRoom, newUser, postAs, type TestUser, withTestDb } from "./helpers";
import { database } from "./outage";
import { connect, type TestSocket } from "./socket";

/** A room of Alice's with Bob (one push device), who is connected; Alice watches presence. */
async function roomWithBobLive() {
  const alice = await newUser("alice");
  const bob = await awayUser("bob");
  const room = await newRoom(alice);
  await api("POST", `/room/${room.id}/members/join`, { token: bob.user.token });
  const watcher = (await connect(room.id, alice.token)).socket;
  const live = (await connect(room.id, bob.user.token)).socket;
  await watcher.next("presence");
  return { alice, bob, room, watcher, live };
}

/**
 * The room tells its courier who is connected when a copy reached PostgreSQL; a member whose
 * socket was sent a message but closed before that notice saw it live all the same, and must not
 * be pushed for it (docs/notifications.md, "Who is pushed").
 */
describe("a member who saw a message live and left before the room's notice", () => {
  it("is not pushed for it", async () => {
    const { alice, bob, room, watcher, live } = await roomWithBobLive();
    const release = await holdCopies(room.id);
    let seq: number;
    try {
      const sent = await postAs(alice, room.id, `@${bob.user.username} are you there?`);
      expect(sent.status).toBe(201);
      seq = sent.body.seq;
      expect(await live.next("message")).toMatchObject({ seq });
      await leaves(live, watcher, bob.user);
    } finally {
      await release();
    }
    await pushesSettled(room.id, seq, [bob.user.id]);
    expect((await bob.device.state()).received).toEqual([]);
    watcher.close();
  }, 25_000);

  it("is pushed for it when the socket did not close cleanly (it may not have had it)", async () => {
    const { alice, bob, room, watcher, live } = await roomWithBobLive();
    const release = await holdCopies(room.id);
    let seq: number;
    try {
      const sent = await postAs(alice, room.id, `@${bob.user.username} still there?`);
      seq = sent.body.seq;
      expect(await live.next("message")).toMatchObject({ seq });
      // As a client echoes the room's 4408 (too slow): what it was handed may be unread.
      await leaves(live, watcher, bob.user, 4408);
    } finally {
      await release();
    }
    await pushesSettled(room.id, seq, [bob.user.id]);
    expect((await bob.device.state()).received.map((r) => r.payload.seq)).toEqual([seq]);
    watcher.close();
  }, 25_000);

  it("is pushed for it when the room closed the socket itself (4408), whatever code its client answers", async () => {
    const alice = await newUser("alice");
    const bob = await awayUser("bob");
    const room = await newRoom(alice);
    await api("POST", `/room/${room.id}/members/join`, { token: bob.user.token });
    const watcher = (await connect(room.id, alice.token)).socket;
    // The room closes Bob's socket itself (a send window he does not confirm: SendWindow.sent);
    // his client's echo of 4408 is rewritten to the 1000 that OkHttp's usual recipe answers with.
    const slow = (await connect(room.id, bob.user.token, { sync: true, echo: false })).socket;
    await watcher.next("presence");
    let undo = () => {};
    await runInDurableObject(roomStub(env, room.id), (obj) => {
      const proto = Object.getPrototypeOf(obj) as typeof obj;
      const original = proto.webSocketClose;
      proto.webSocketClose = function (this: typeof obj, ws, code, reason) {
        return original.call(this, ws, code === CloseCode.tooSlow ? 1000 : code, reason);
      };
      undo = () => {
        proto.webSocketClose = original;
      };
    });
    const release = await holdCopies(room.id);
    let seq: number;
    try {
      seq = (await postAs(alice, room.id, `@${bob.user.username} did you read this?`)).body.seq;
      for (let i = 0; i < 20 && !slow.closed; i++) {
        expect((await postAs(alice, room.id, `${i} ${"x".repeat(3990)}`)).status).toBe(201);
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(await slow.waitClosed()).toMatchObject({ code: CloseCode.tooSlow });
      expect(await watcher.next("presence")).toMatchObject({ event: "leave", user: { id: bob.user.id } });
    } finally {
      undo();
      await release();
    }
    await pushesSettled(room.id, seq, [bob.user.id]);
    expect((await bob.device.state()).received.map((r) => r.payload.seq)).toEqual([seq]);
    watcher.close();
  }, 30_000);

  it("is pushed for what came after they left, in the same notice", async () => {
    const { alice, bob, room, watcher, live } = await roomWithBobLive();
    const release = await holdCopies(room.id);
    let later: number;
    try {
      const seen = await postAs(alice, room.id, `@${bob.user.username} one`);
      expect(await live.next("message")).toMatchObject({ seq: seen.body.seq });
      await leaves(live, watcher, bob.user);
      later = (await postAs(alice, room.id, `@${bob.user.username} two`)).body.seq;
    } finally {
      await release();
    }
    await pushesSettled(room.id, later, [bob.user.id]);
    const pushed = (await bob.device.state()).received.map((r) => r.payload.seq);
    expect(pushed).toEqual([later]);
    watcher.close();
  }, 25_000);

  it("is pushed when the message came after the socket closed (the rule still pushes)", async () => {
    const { alice, bob, room, watcher, live } = await roomWithBobLive();
    await leaves(live, watcher, bob.user);
    const sent = (await postAs(alice, room.id, `@${bob.user.username} later`)).body;
    await pushesSettled(room.id, sent.seq, [bob.user.id]);
    expect((await bob.device.state()).received.map((r) => r.payload.seq)).toEqual([sent.seq]);
    watcher.close();
  }, 25_000);

  it("is not pushed for it when the room slept between the message and the close", async () => {
    const alice = await awayUser("alice");
    const bob = await awayUser("bob");
    const dm = (await api<{ id: number }>("POST", `/dm/${bob.user.id}`, { token: alice.user.token })).body;
    const watcher = (await connect(dm.id, alice.user.token)).socket;
    const live = (await connect(dm.id, bob.user.token)).socket;
    await watcher.next("presence");
    const stub = roomStub(env, dm.id);
    let seq: number;
    // PostgreSQL unreachable: the copy, and so the notice, waits; the room is idle between tries.
    await database("down");
    try {
      watcher.send({ type: "message.send", content: "a DM pushes by default", client_id: "c1" });
      seq = (await watcher.next("ack")).seq;
      expect(await live.next("message")).toMatchObject({ seq });
      // Out of memory with both sockets open (they hibernate), then Bob closes: a new object sees it.
      await evictDurableObject(stub);
      await leaves(live, watcher, bob.user);
      // And again: what Bob was sent is in the room's storage, not in its memory.
      await evictDurableObject(stub);
    } finally {
      await database("up");
    }
    await runDurableObjectAlarm(stub);
    await pushesSettled(dm.id, seq, [bob.user.id]);
    expect((await bob.device.state()).received).toEqual([]);
    watcher.close();
  }, 30_000);

  it("is pushed for a later notice's message when the courier decides both in one run", async () => {
    const { alice, bob, room, watcher, live } = await roomWithBobLive();
    // An endpoint: no notice is decided without a run (courier/quiet.ts).
    await hook(alice, room.id);
    const release = await holdCourier(room.id);
    const later = await recordingNotices(room.id, async (notices) => {
      const told = (seq: number) =>
        eventually(async () => expect(notices.some((n) => n.headSeq >= seq)).toBe(true));
      try {
        // Bob is connected at this message's notice, and gone at the next one's.
        const first = (await postAs(alice, room.id, "while Bob is here")).body.seq;
        expect(await live.next("message")).toMatchObject({ seq: first });
        await told(first);
        await leaves(live, watcher, bob.user);
        const seq = (await postAs(alice, room.id, `@${bob.user.username} after you left`)).body.seq;
        await told(seq);
        return seq;
      } finally {
        release();
      }
    });
    await pushesSettled(room.id, later, [bob.user.id]);
    expect((await bob.device.state()).received.map((r) => r.payload.seq)).toEqual([later]);
    watcher.close();
  }, 30_000);
});

describe("a courier from before seen ranges", () => {
  it("takes over the members its old `live` table had as connected: not pushed for what they saw", async () => {
    const alice = await newUser("alice");
    const bob = await awayUser("bob");
    const room = await newRoom(alice);
    await api("POST", `/room/${room.id}/members/join`, { token: bob.user.token });
    const courier = courierStub(env as unknown as Bindings, room.id);
    const release = await holdCopies(room.id);
    let seq: number;
    try {
      seq = (await postAs(alice, room.id, `@${bob.user.username} from before the upgrade`)).body.seq;
      // What such a courier held after the notice of a message Bob was connected for, before its run.
      await runInDurableObject(courier, (_courier, state) => {
        const sql = state.storage.sql;
        sql.exec("CREATE TABLE live (user_id INTEGER PRIMARY KEY)");
        sql.exec("INSERT INTO live (user_id) VALUES (?)", bob.user.id);
        for (const [key, value] of [
          ["room", room.id],
          ["head", seq],
          ["push_seq", seq - 1],
        ] as const)
          sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", key, value);
      });
      await evictDurableObject(courier); // the upgraded code starts on that storage
    } finally {
      await release();
    }
    await pushesSettled(room.id, seq, [bob.user.id]);
    expect((await bob.device.state()).received).toEqual([]);
    const tables = await runInDurableObject(courier, (_courier, state) =>
      state.storage.sql.exec("SELECT name FROM sqlite_master WHERE name = 'live'").toArray(),
    );
    expect(tables).toEqual([]);
  }, 25_000);
});
