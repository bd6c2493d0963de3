import { describe, expect, it } from "vitest";
import { api, block, type Message, newRoom, newUser, postAs, type TestUser, unblock } from "./helpers";
import { connect } from "./socket";

// The room keeps a serialized history page until its storage next changes
// (src/room/timeline/page-memo.ts). Each step here reads the same page as the same viewer right
// before and after one kind of change: a kept page that outlived its change shows up as a stale
// answer.
async function page(who: TestUser, roomId: number, query = "?limit=50") {
  const res = await api<Message[]>("GET", `/message/rooms/${roomId}/messages${query}`, { token: who.token });
  expect(res.status).toBe(200);
  return res.body;
}

/** Reads the page twice (the second may come from the memo) and checks both agree. */
async function twice(who: TestUser, roomId: number, query?: string) {
  const first = await page(who, roomId, query);
  expect(await page(who, roomId, query)).toEqual(first);
  return first;
}

async function setting() {
  const alice = await newUser("alice");
  const bob = await newUser("bob");
  const room = await newRoom(alice);
  await api("POST", `/room/${room.id}/members/join`, { token: bob.token });
  return { alice, bob, room, path: `/message/rooms/${room.id}/messages` };
}

describe("a history page asked again", () => {
  it("follows every change to the room's messages: sends, edits, deletes, reactions, replies", async () => {
    const { alice, bob, room, path } = await setting();
    const one = (await postAs(alice, room.id, "one")).body;
    expect((await twice(alice, room.id)).map((m) => m.content)).toEqual(["one"]);

    await postAs(bob, room.id, "two");
    expect((await twice(alice, room.id)).map((m) => m.content)).toEqual(["one", "two"]);

    await api("PATCH", `${path}/${one.id}`, { token: alice.token, json: { content: "one, edited" } });
    const edited = await twice(alice, room.id);
    expect(edited[0]).toMatchObject({ content: "one, edited" });
    expect(edited[0]?.edited_at).not.toBeNull();

    await api("PUT", `${path}/${one.id}/reactions/${encodeURIComponent("👍")}`, { token: bob.token });
    expect((await twice(alice, room.id))[0]?.reactions).toEqual([{ key: "👍", count: 1, me: false }]);
    await api("PUT", `${path}/${one.id}/reactions/${encodeURIComponent("👍")}`, { token: alice.token });
    expect((await twice(alice, room.id))[0]?.reactions).toEqual([{ key: "👍", count: 2, me: true }]);
    // Bob's view of the same reactions: his own page, not Alice's.
    expect((await twice(bob, room.id))[0]?.reactions).toEqual([{ key: "👍", count: 2, me: true }]);
    await api("DELETE", `${path}/${one.id}/reactions/${encodeURIComponent("👍")}`, { token: bob.token });
    expect((await twice(alice, room.id))[0]?.reactions).toEqual([{ key: "👍", count: 1, me: true }]);

    await api("POST", path, { token: bob.token, json: { content: "a reply", reply_to: one.id } });
    const replied = await twice(alice, room.id);
    expect(replied[0]).toMatchObject({ reply_count: 1 });
    expect(replied[2]).toMatchObject({ content: "a reply", reply_to: one.id });

    await api("DELETE", `${path}/${one.id}`, { token: alice.token });
    const deleted = await twice(alice, room.id);
    expect(deleted[0]).toMatchObject({ content: null, deleted: true });
    expect(deleted[2]?.parent).toMatchObject({ id: one.id, deleted: true, excerpt: null });
  });

  it("keeps pages apart by window and viewer, and follows a socket's send", async () => {
    const { alice, bob, room } = await setting();
    for (const text of ["a", "b", "c"]) await postAs(alice, room.id, text);
    expect((await twice(alice, room.id, "?limit=2")).map((m) => m.content)).toEqual(["b", "c"]);
    expect((await twice(alice, room.id, "?limit=2&before=3")).map((m) => m.content)).toEqual(["a", "b"]);
    expect((await twice(alice, room.id, "?limit=5&after=1")).map((m) => m.content)).toEqual(["b", "c"]);
    expect((await twice(bob, room.id, "?limit=2")).map((m) => m.content)).toEqual(["b", "c"]);

    const { socket } = await connect(room.id, bob.token);
    socket.send({ type: "message.send", content: "d", client_id: "memo-d" });
    expect(await socket.next("ack")).toMatchObject({ client_id: "memo-d", seq: 4 });
    expect((await twice(alice, room.id, "?limit=2")).map((m) => m.content)).toEqual(["c", "d"]);
    expect((await twice(alice, room.id, "?limit=5&after=1")).map((m) => m.content)).toEqual(["b", "c", "d"]);
    socket.close();
  });

  it("follows a block and an unblock, which the room applies itself", async () => {
    const { alice, bob, room } = await setting();
    await postAs(alice, room.id, "mine");
    await postAs(bob, room.id, "his");
    expect((await twice(alice, room.id)).map((m) => m.content)).toEqual(["mine", "his"]);
    expect((await block(alice, bob)).status).toBe(204);
    expect((await twice(alice, room.id)).map((m) => m.content)).toEqual(["mine"]);
    // The worker filters a page by the caller's blocks too; after the unblock only the room's
    // own page can bring Bob's message back, so a page kept from before would show here.
    expect((await unblock(alice, bob)).status).toBe(204);
    expect((await twice(alice, room.id)).map((m) => m.content)).toEqual(["mine", "his"]);
  });
});
