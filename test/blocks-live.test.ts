import { describe, expect, it } from "vitest";
import {
  api,
  block,
  eventually,
  newRoom,
  newUser,
  postAs as post,
  storedMessages,
  threeInARoom,
  unblock,
} from "./helpers";
import { connect, type Frame, seqs } from "./socket";

/** What a socket showed of the timeline: content for messages, `hidden` for placeholders. */
const shown = (frames: Frame[]) =>
  frames.flatMap((f) =>
    f.type === "message" ? [`${f.seq}:${f.content}`] : f.type === "hidden" ? [`${f.seq}:hidden`] : [],
  );

describe("blocks on live sockets (invariant 14: a hidden event keeps its seq)", () => {
  it("an open socket hides the blocked user's events at once, as placeholders with their seq", async () => {
    const { alice, bob, carol, room } = await threeInARoom();
    const a = (await connect(room.id, alice.token)).socket;
    const c = (await connect(room.id, carol.token)).socket;
    await post(bob, room.id, "one");
    await a.next("message");
    expect((await block(alice, bob)).status).toBe(204);
    const two = (await post(bob, room.id, "two")).body;
    await post(carol, room.id, "three");
    // Bob's edit and reaction are his events too: placeholders for Alice.
    await api("PATCH", `/message/rooms/${room.id}/messages/${two.id}`, {
      token: bob.token,
      json: { content: "two, edited" },
    });
    await api("PUT", `/message/rooms/${room.id}/messages/${two.id}/reactions/${encodeURIComponent("👍")}`, {
      token: bob.token,
    });
    const after = await a.take(4, ["message", "message.edited", "reaction", "hidden"]);
    expect(after.map((f) => [f.seq, f.type])).toEqual([
      [2, "hidden"],
      [3, "message"],
      [4, "hidden"],
      [5, "hidden"],
    ]);
    expect(JSON.stringify(after)).not.toContain("two");
    // Carol sees everything; Bob is not told.
    expect(shown(await c.take(3, "message"))).toEqual(["1:one", "2:two", "3:three"]);
    await unblock(alice, bob);
    await post(bob, room.id, "four");
    expect(shown([await a.next(["message", "hidden"])])).toEqual(["6:four"]);
  });

  it("a resume replays placeholders in the blocked user's places, from the cache and from PostgreSQL", async () => {
    const { alice, bob, carol, room } = await threeInARoom();
    await block(alice, bob);
    for (const [who, text] of [
      [carol, "a"],
      [bob, "b"],
      [bob, "c"],
      [carol, "d"],
    ] as const)
      await post(who, room.id, text);
    const { socket, ready } = await connect(room.id, alice.token, { since: 0 });
    expect(ready).toMatchObject({ recovered: true, replay_count: 4 });
    const replay = await socket.take(4, ["message", "hidden"]);
    expect(seqs(replay)).toEqual([1, 2, 3, 4]);
    expect(shown(replay)).toEqual(["1:a", "2:hidden", "3:hidden", "4:d"]);
    socket.close();
    // Beyond the room's cache (5 events in tests), from PostgreSQL: the same.
    for (let i = 0; i < 6; i++) await post(i % 2 ? bob : carol, room.id, `m${i}`);
    await eventually(async () => expect(await storedMessages(room.id)).toHaveLength(10));
    const far = await connect(room.id, alice.token, { since: 0, batch: true });
    expect(far.ready.recovered).toBe(true);
    const all = await far.socket.take(10, ["message", "hidden"]);
    expect(seqs(all)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(all.filter((f) => f.type === "hidden").map((f) => f.seq)).toEqual([2, 3, 6, 8, 10]);
    expect(JSON.stringify(all)).not.toMatch(/"b"|"c"|m1|m3|m5/);
    // Bob, who was blocked, replays everything as it is.
    const his = await connect(room.id, bob.token, { since: 0, batch: true });
    expect((await his.socket.take(10, ["message", "hidden"])).every((f) => f.type === "message")).toBe(true);
  });

  it("a block made before joining a room holds there from the first event", async () => {
    const alice = await newUser("alice");
    const bob = await newUser("bob");
    const carol = await newUser("carol");
    const room = await newRoom(carol);
    await api("POST", `/room/${room.id}/members/join`, { token: bob.token });
    const c = (await connect(room.id, carol.token)).socket;
    await block(alice, bob);
    await api("POST", `/room/${room.id}/members/join`, { token: alice.token });
    await post(bob, room.id, "hello");
    await c.next("message");
    const { socket } = await connect(room.id, alice.token, { since: 0 });
    expect(shown(await socket.take(1, ["message", "hidden"]))).toEqual(["1:hidden"]);
  });

  it("hides the blocked user's typing too", async () => {
    const { alice, bob, carol, room } = await threeInARoom();
    const a = (await connect(room.id, alice.token)).socket;
    const c = (await connect(room.id, carol.token)).socket;
    const b = (await connect(room.id, bob.token)).socket;
    await block(alice, bob);
    b.send({ type: "typing" });
    expect((await c.next("typing")).user.id).toBe(bob.id);
    await post(carol, room.id, "after typing");
    await a.next("message");
    expect(a.pending("typing").filter((t) => t.user.id === bob.id)).toEqual([]);
  });
});
