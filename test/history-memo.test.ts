import { describe, expect, it } from "vitest";
import { api, block, type Message, newRoom, newUser, postAs, type TestUser, unblock } from "./helpers";
import { connect } from "./socket";

// The room keeps a serialized history page until its storage next changes
// (src/room/timeline/page-memo.ts). Each step reads the same page as the same viewer before and
// after one kind of change: a kept page that outlived its change shows as a stale answer. Only a
// page the room's cache answers whole is kept, and the tests' cache holds the newest 5 events
// (ROOM_CACHE_EVENTS, vitest.config.ts), so every page here lies within them.
async function page(who: TestUser, roomId: number, query: string) {
  const res = await api<Message[]>("GET", `/message/rooms/${roomId}/messages${query}`, { token: who.token });
  expect(res.status).toBe(200);
  return res.body;
}

/** Reads the page twice (the second may come from the memo) and checks both agree. */
async function twice(who: TestUser, roomId: number, query = "?limit=1") {
  const first = await page(who, roomId, query);
  expect(await page(who, roomId, query)).toEqual(first);
  return first;
}

const contents = (rows: Message[]) => rows.map((m) => m.content);

async function setting() {
  const alice = await newUser("alice");
  const bob = await newUser("bob");
  const room = await newRoom(alice);
  await api("POST", `/room/${room.id}/members/join`, { token: bob.token });
  return { alice, bob, room, path: `/message/rooms/${room.id}/messages` };
}

describe("a history page asked again", () => {
  it("follows sends and edits", async () => {
    const { alice, bob, room, path } = await setting();
    const one = (await postAs(alice, room.id, "one")).body;
    expect(contents(await twice(alice, room.id))).toEqual(["one"]);
    await postAs(bob, room.id, "two");
    expect(contents(await twice(alice, room.id))).toEqual(["two"]);
    expect(contents(await twice(alice, room.id, "?limit=2"))).toEqual(["one", "two"]);
    await api("PATCH", `${path}/${one.id}`, { token: alice.token, json: { content: "one, edited" } });
    const edited = await twice(alice, room.id, "?limit=2");
    expect(edited[0]).toMatchObject({ content: "one, edited" });
    expect(edited[0]?.edited_at).not.toBeNull();
  });

  it("follows reactions, each viewer's own", async () => {
    const { alice, bob, room, path } = await setting();
    const one = (await postAs(alice, room.id, "one")).body;
    const thumbs = `${path}/${one.id}/reactions/${encodeURIComponent("👍")}`;
    expect((await twice(alice, room.id))[0]?.reactions).toEqual([]);
    await api("PUT", thumbs, { token: bob.token });
    expect((await twice(alice, room.id))[0]?.reactions).toEqual([{ key: "👍", count: 1, me: false }]);
    await api("PUT", thumbs, { token: alice.token });
    expect((await twice(alice, room.id))[0]?.reactions).toEqual([{ key: "👍", count: 2, me: true }]);
    expect((await twice(bob, room.id))[0]?.reactions).toEqual([{ key: "👍", count: 2, me: true }]);
    await api("DELETE", thumbs, { token: bob.token });
    expect((await twice(alice, room.id))[0]?.reactions).toEqual([{ key: "👍", count: 1, me: true }]);
    expect((await twice(bob, room.id))[0]?.reactions).toEqual([{ key: "👍", count: 1, me: false }]);
  });

  it("follows a reply (the root's counters) and a delete (the reply's preview)", async () => {
    const { alice, bob, room, path } = await setting();
    const root = (await postAs(alice, room.id, "root")).body;
    expect((await twice(alice, room.id))[0]).toMatchObject({ content: "root", reply_count: 0 });
    await api("POST", path, { token: bob.token, json: { content: "a reply", reply_to: root.id } });
    const replied = await twice(alice, room.id, "?limit=2");
    expect(replied[0]).toMatchObject({ content: "root", reply_count: 1 });
    expect(replied[1]?.parent).toMatchObject({ id: root.id, deleted: false, excerpt: "root" });
    await api("DELETE", `${path}/${root.id}`, { token: alice.token });
    const deleted = await twice(alice, room.id, "?limit=2");
    expect(deleted[0]).toMatchObject({ content: null, deleted: true });
    expect(deleted[1]?.parent).toMatchObject({ id: root.id, deleted: true, excerpt: null });
  });

  it("keeps pages apart by window and viewer, and follows a socket's send", async () => {
    const { alice, bob, room } = await setting();
    for (const text of ["a", "b", "c"]) await postAs(alice, room.id, text);
    expect(contents(await twice(alice, room.id, "?limit=2"))).toEqual(["b", "c"]);
    expect(contents(await twice(alice, room.id, "?limit=2&before=3"))).toEqual(["a", "b"]);
    expect(contents(await twice(alice, room.id, "?limit=5&after=1"))).toEqual(["b", "c"]);
    expect(contents(await twice(bob, room.id, "?limit=2"))).toEqual(["b", "c"]);

    const { socket } = await connect(room.id, bob.token);
    socket.send({ type: "message.send", content: "d", client_id: "memo-d" });
    expect(await socket.next("ack")).toMatchObject({ client_id: "memo-d", seq: 4 });
    expect(contents(await twice(alice, room.id, "?limit=2"))).toEqual(["c", "d"]);
    expect(contents(await twice(alice, room.id, "?limit=5&after=1"))).toEqual(["b", "c", "d"]);
    expect(contents(await twice(alice, room.id, "?limit=2&before=3"))).toEqual(["a", "b"]);
    socket.close();
  });

  it("follows a block and an unblock, which the room applies itself", async () => {
    const { alice, bob, room } = await setting();
    await postAs(alice, room.id, "mine");
    await postAs(bob, room.id, "his");
    expect((await block(alice, bob)).status).toBe(204);
    expect(contents(await twice(alice, room.id, "?limit=2"))).toEqual(["mine"]);
    // The worker filters a page by the caller's blocks too; after the unblock only the room's
    // own page can bring Bob's message back, so a page kept from before would show here.
    expect((await unblock(alice, bob)).status).toBe(204);
    expect(contents(await twice(alice, room.id, "?limit=2"))).toEqual(["mine", "his"]);
    expect((await block(alice, bob)).status).toBe(204);
    expect(contents(await twice(alice, room.id, "?limit=2"))).toEqual(["mine"]);
  });
});
