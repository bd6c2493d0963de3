import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { messageReactions } from "../src/db/schema";
import {
  api,
  eventually,
  expectError,
  type Message,
  newRoom,
  newUser,
  type ReactionOutcome,
  storedMessages,
  withTestDb,
} from "./helpers";
import { connect } from "./socket";

const post = (token: string, roomId: number, content: string) =>
  api<Message>("POST", `/message/rooms/${roomId}/messages`, { token, json: { content } });
const reactionUrl = (roomId: number, messageId: string, key: string) =>
  `/message/rooms/${roomId}/messages/${messageId}/reactions/${encodeURIComponent(key)}`;

describe("reactions", () => {
  it("PUT adds, a second PUT changes nothing and says so, DELETE removes; each change is an event with its own seq", async () => {
    const alice = await newUser("alice");
    const bob = await newUser("bob");
    const room = await newRoom(alice);
    const msg = (await post(alice.token, room.id, "react to me")).body;
    const { socket } = await connect(room.id, alice.token);

    const added = await api<ReactionOutcome>("PUT", reactionUrl(room.id, msg.id, "👍"), { token: bob.token });
    expect(added.status).toBe(200);
    expect(added.body).toEqual({
      message_id: msg.id,
      key: "👍",
      reacted: true,
      changed: true,
      seq: 2,
      reactions: [{ key: "👍", count: 1, me: true }],
    });
    const again = await api<ReactionOutcome>("PUT", reactionUrl(room.id, msg.id, "👍"), { token: bob.token });
    expect(again.body).toMatchObject({ changed: false, seq: null, reacted: true });
    expect(again.body.reactions).toEqual([{ key: "👍", count: 1, me: true }]);

    const live = await socket.next("reaction");
    expect(live).toMatchObject({
      type: "reaction",
      seq: 2,
      message_id: msg.id,
      key: "👍",
      user_id: bob.id,
      reacted: true,
      reactions: [{ key: "👍", count: 1, me: true }],
    });

    // History shows totals, and `me` from the reader's side.
    const forAlice = await api<Message[]>("GET", `/message/rooms/${room.id}/messages`, {
      token: alice.token,
    });
    expect(forAlice.body[0]?.reactions).toEqual([{ key: "👍", count: 1, me: false }]);
    const forBob = await api<Message[]>("GET", `/message/rooms/${room.id}/messages`, { token: bob.token });
    expect(forBob.body[0]?.reactions).toEqual([{ key: "👍", count: 1, me: true }]);

    const removed = await api<ReactionOutcome>("DELETE", reactionUrl(room.id, msg.id, "👍"), {
      token: bob.token,
    });
    expect(removed.body).toMatchObject({ changed: true, reacted: false, seq: 3, reactions: [] });
    const removedAgain = await api<ReactionOutcome>("DELETE", reactionUrl(room.id, msg.id, "👍"), {
      token: bob.token,
    });
    expect(removedAgain.body).toMatchObject({ changed: false, seq: null });
    expect(await socket.next("reaction")).toMatchObject({ seq: 3, reacted: false, reactions: [] });
    socket.close();

    await eventually(async () => {
      const rows = await storedMessages(room.id);
      expect(rows.map((r) => [r.seq, r.kind])).toEqual([
        [1, "message"],
        [2, "reaction"],
        [3, "reaction"],
      ]);
    });
  });

  it("totals are exact when many users react at once", async () => {
    const owner = await newUser("owner");
    const room = await newRoom(owner);
    const msg = (await post(owner.token, room.id, "everyone react")).body;
    const users = await Promise.all(Array.from({ length: 12 }, () => newUser("fan")));
    const keys = ["👍", "🎉", ":party:"];
    // Every user adds all three at once, then takes back the second, all concurrently.
    await Promise.all(
      users.flatMap((u) =>
        keys.map((k) =>
          api("PUT", reactionUrl(room.id, msg.id, k), { token: u.token }).then((r) => r.status),
        ),
      ),
    ).then((statuses) => expect(new Set(statuses)).toEqual(new Set([200])));
    await Promise.all(
      users.map((u) => api("DELETE", reactionUrl(room.id, msg.id, "🎉"), { token: u.token })),
    );

    const history = await api<Message[]>("GET", `/message/rooms/${room.id}/messages`, { token: owner.token });
    // Keys are listed by first use; which came first is up to the race, so compare by key.
    const byKey = (a: { key: string }, b: { key: string }) => a.key.localeCompare(b.key);
    expect([...(history.body[0]?.reactions ?? [])].sort(byKey)).toEqual(
      [
        { key: "👍", count: 12, me: false },
        { key: ":party:", count: 12, me: false },
      ].sort(byKey),
    );
    // One event per change, consecutive seqs, and PostgreSQL ends with the same totals.
    await eventually(async () => {
      const rows = await storedMessages(room.id);
      expect(rows.length).toBe(1 + 12 * 3 + 12);
      expect(rows.map((r) => r.seq)).toEqual(rows.map((_, i) => i + 1));
      const stored = await withTestDb((db) =>
        db.select().from(messageReactions).where(eq(messageReactions.messageId, msg.id)),
      );
      const totals = new Map<string, number>();
      for (const r of stored) totals.set(r.key, (totals.get(r.key) ?? 0) + 1);
      expect(Object.fromEntries(totals)).toEqual({ "👍": 12, ":party:": 12 });
    });
  });

  it("accepts one emoji (a grapheme cluster) or a :name:, and refuses anything else", async () => {
    const alice = await newUser("alice");
    const room = await newRoom(alice);
    const msg = (await post(alice.token, room.id, "keys")).body;
    for (const key of ["👍🏽", "👨‍👩‍👧", "🇩🇪", "❤️", ":thumbs_up:"]) {
      const res = await api("PUT", reactionUrl(room.id, msg.id, key), { token: alice.token });
      expect({ key, status: res.status }).toEqual({ key, status: 200 });
    }
    for (const key of ["a", "1", "👍👍", "hello", ":Bad Name:", "::"]) {
      expectError(
        await api("PUT", reactionUrl(room.id, msg.id, key), { token: alice.token }),
        422,
        "invalid_reaction",
      );
    }
    expectError(
      await api("PUT", reactionUrl(room.id, "01NOSUCHMESSAGE000000000000", "👍"), { token: alice.token }),
      404,
      "message_not_found",
    );
    await api("DELETE", `/message/rooms/${room.id}/messages/${msg.id}`, { token: alice.token });
    expectError(
      await api("PUT", reactionUrl(room.id, msg.id, "🎉"), { token: alice.token }),
      409,
      "message_deleted",
    );
  });

  it("limits reactions per user on one message", async () => {
    const alice = await newUser("alice");
    const room = await newRoom(alice);
    const msg = (await post(alice.token, room.id, "limits")).body;
    const keys = Array.from({ length: 10 }, (_, i) => `:k${i}:`);
    for (const k of keys)
      expect((await api("PUT", reactionUrl(room.id, msg.id, k), { token: alice.token })).status).toBe(200);
    expectError(
      await api("PUT", reactionUrl(room.id, msg.id, ":k10:"), { token: alice.token }),
      422,
      "too_many_reactions",
    );
  });

  it("over the socket: reaction.add / reaction.remove answered by reaction.ack; resume replays them from PostgreSQL", async () => {
    const alice = await newUser("alice");
    const room = await newRoom(alice);
    const msg = (await post(alice.token, room.id, "socket")).body;
    const { socket, ready } = await connect(room.id, alice.token);
    socket.send({ type: "reaction.add", message_id: msg.id, key: "🔥" });
    expect(await socket.next("reaction.ack")).toEqual({
      type: "reaction.ack",
      message_id: msg.id,
      key: "🔥",
      reacted: true,
      changed: true,
      seq: 2,
    });
    socket.send({ type: "reaction.add", message_id: msg.id, key: "🔥" });
    expect(await socket.next("reaction.ack")).toMatchObject({ changed: false, seq: null });
    socket.send({ type: "reaction.remove", message_id: msg.id, key: "🔥" });
    expect(await socket.next("reaction.ack")).toMatchObject({ changed: true, reacted: false, seq: 3 });
    socket.send({ type: "reaction.add", message_id: msg.id, key: "nope" });
    expect(await socket.next("error")).toMatchObject({ code: "invalid_reaction" });
    socket.close();

    // Push the reactions out of the room's cache (5 events in tests): the resume reads PostgreSQL.
    for (let i = 0; i < 6; i++) await post(alice.token, room.id, `filler ${i}`);
    await eventually(async () => expect((await storedMessages(room.id)).length).toBe(9));
    const resumed = await connect(room.id, alice.token, { since: 1, epoch: ready.epoch });
    expect(resumed.ready.recovered).toBe(true);
    const replay = await resumed.socket.take(2, "reaction");
    expect(replay.map((f) => [f.seq, f.key, f.reacted])).toEqual([
      [2, "🔥", true],
      [3, "🔥", false],
    ]);
    expect(replay[0]?.reactions).toEqual([{ key: "🔥", count: 1, me: true }]);
    resumed.socket.close();
  });

  it("history of messages older than the room's cache shows their reactions (from PostgreSQL)", async () => {
    const alice = await newUser("alice");
    const bob = await newUser("bob");
    const room = await newRoom(alice);
    const old = (await post(alice.token, room.id, "old one")).body;
    await api("PUT", reactionUrl(room.id, old.id, "👀"), { token: bob.token });
    for (let i = 0; i < 8; i++) await post(alice.token, room.id, `newer ${i}`);
    const page = await api<Message[]>("GET", `/message/rooms/${room.id}/messages?before=3`, {
      token: bob.token,
    });
    expect(page.body[0]).toMatchObject({ id: old.id, reactions: [{ key: "👀", count: 1, me: true }] });
  });
});
