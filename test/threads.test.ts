import { describe, expect, it } from "vitest";
import { api, eventually, expectError, type Message, newRoom, newUser, storedMessages } from "./helpers";
import { connect } from "./socket";

const post = (token: string, roomId: number, json: Record<string, unknown>) =>
  api<Message>("POST", `/message/rooms/${roomId}/messages`, { token, json });

describe("replies and threads", () => {
  it("a reply carries reply_to and a preview of its parent; the root's counters follow as a timeline event", async () => {
    const alice = await newUser("alice");
    const bob = await newUser("bob");
    const room = await newRoom(alice);
    const long = "x".repeat(150);
    const root = (await post(alice.token, room.id, { content: long })).body;
    const { socket } = await connect(room.id, bob.token);

    const reply = await post(bob.token, room.id, { content: "answer", reply_to: root.id });
    expect(reply.status).toBe(201);
    expect(reply.body.reply_to).toBe(root.id);
    expect(reply.body.parent).toEqual({
      id: root.id,
      user_id: alice.id,
      username: alice.username,
      excerpt: `${"x".repeat(100)}…`,
      deleted: false,
    });

    const [live, thread] = await socket.take(2, ["message", "thread.updated"]);
    expect(live).toMatchObject({ type: "message", seq: reply.body.seq, reply_to: root.id });
    expect(thread).toMatchObject({
      type: "thread.updated",
      seq: reply.body.seq + 1,
      message_id: root.id,
      reply_id: reply.body.id,
      reply_count: 1,
    });
    socket.close();

    const history = await api<Message[]>("GET", `/message/rooms/${room.id}/messages`, { token: alice.token });
    const rootNow = history.body.find((m) => m.id === root.id);
    expect(rootNow?.reply_count).toBe(1);
    expect(rootNow?.last_reply_at).toBe(thread?.last_reply_at);

    // PostgreSQL gets the counters and the reply's link too (the outbox applies thread events).
    await eventually(async () => {
      const rows = await storedMessages(room.id);
      expect(rows.find((r) => r.id === root.id)?.replyCount).toBe(1);
      expect(rows.find((r) => r.id === reply.body.id)?.replyTo).toBe(root.id);
      expect(rows.map((r) => r.kind)).toEqual(["message", "message", "thread"]);
    });
  });

  it("lists a thread oldest first with cursor paging, reading past the room's cache", async () => {
    const alice = await newUser("alice");
    const room = await newRoom(alice);
    const root = (await post(alice.token, room.id, { content: "root" })).body;
    const replies: string[] = [];
    for (let i = 0; i < 7; i++) {
      const r = await post(alice.token, room.id, { content: `reply ${i}`, reply_to: root.id });
      replies.push(r.body.id);
      // Unrelated messages push the first replies out of the cache (ROOM_CACHE_EVENTS is 5 in tests).
      await post(alice.token, room.id, { content: `other ${i}` });
    }
    // A reply to a reply joins the root's thread.
    const nested = await post(alice.token, room.id, { content: "nested", reply_to: replies[0] });
    expect(nested.body.reply_to).toBe(root.id);
    expect(nested.body.parent?.id).toBe(replies[0]);
    await eventually(async () => expect((await storedMessages(room.id)).length).toBe(1 + 7 * 3 + 2));

    const url = `/message/rooms/${room.id}/messages/${root.id}/thread`;
    const first = await api<Message[]>("GET", `${url}?limit=5`, { token: alice.token });
    expect(first.status).toBe(200);
    expect(first.body.map((m) => m.content)).toEqual(["reply 0", "reply 1", "reply 2", "reply 3", "reply 4"]);
    const last = first.body.at(-1)?.seq;
    const rest = await api<Message[]>("GET", `${url}?limit=5&after=${last}`, { token: alice.token });
    expect(rest.body.map((m) => m.content)).toEqual(["reply 5", "reply 6", "nested"]);

    const history = await api<Message[]>("GET", `/message/rooms/${room.id}/messages?limit=200`, {
      token: alice.token,
    });
    expect(history.body.find((m) => m.id === root.id)?.reply_count).toBe(8);
  });

  it("shows a deleted parent as deleted", async () => {
    const alice = await newUser("alice");
    const room = await newRoom(alice);
    const root = (await post(alice.token, room.id, { content: "secret" })).body;
    const reply = (await post(alice.token, room.id, { content: "re", reply_to: root.id })).body;
    await api("DELETE", `/message/rooms/${room.id}/messages/${root.id}`, { token: alice.token });
    const thread = await api<Message[]>("GET", `/message/rooms/${room.id}/messages/${root.id}/thread`, {
      token: alice.token,
    });
    expect(thread.body[0]).toMatchObject({
      id: reply.id,
      parent: { id: root.id, excerpt: null, deleted: true },
    });
    // Replying to a deleted message is allowed; the preview says deleted from the start.
    const late = await post(alice.token, room.id, { content: "late", reply_to: root.id });
    expect(late.body.parent).toMatchObject({ deleted: true, excerpt: null });
  });

  it("refuses a reply to a message of another room or to none alike (404), before and after the copy", async () => {
    const alice = await newUser("alice");
    const here = await newRoom(alice);
    const there = await newRoom(alice);
    const elsewhere = (await post(alice.token, there.id, { content: "there" })).body;
    // Issue 18: existing elsewhere must not be told apart from existing nowhere.
    expectError(
      await post(alice.token, here.id, { content: "x", reply_to: elsewhere.id }),
      404,
      "reply_parent_not_found",
    );
    await eventually(async () => expect((await storedMessages(there.id)).length).toBe(1));
    expectError(
      await post(alice.token, here.id, { content: "x", reply_to: elsewhere.id }),
      404,
      "reply_parent_not_found",
    );
    expectError(
      await post(alice.token, here.id, { content: "x", reply_to: "01NOSUCHMESSAGE000000000000" }),
      404,
      "reply_parent_not_found",
    );
    expectError(
      await api("GET", `/message/rooms/${here.id}/messages/01NOSUCHMESSAGE000000000000/thread`, {
        token: alice.token,
      }),
      404,
      "message_not_found",
    );
  });

  it("replies over the socket, and a resume replays the reply and the thread event", async () => {
    const alice = await newUser("alice");
    const room = await newRoom(alice);
    const root = (await post(alice.token, room.id, { content: "root" })).body;
    const { socket, ready } = await connect(room.id, alice.token);
    socket.send({ type: "message.send", content: "via socket", reply_to: root.id, client_id: "r1" });
    const ack = await socket.next("ack");
    expect(ack).toMatchObject({ client_id: "r1", seq: 2 });
    socket.send({ type: "message.send", content: "bad", reply_to: "01NOSUCHMESSAGE000000000000" });
    expect(await socket.next("error")).toMatchObject({ code: "reply_parent_not_found" });
    socket.close();

    const resumed = await connect(room.id, alice.token, { since: 1, epoch: ready.epoch });
    expect(resumed.ready.recovered).toBe(true);
    const replay = await resumed.socket.take(2, ["message", "thread.updated"]);
    expect(replay.map((f) => [f.seq, f.type])).toEqual([
      [2, "message"],
      [3, "thread.updated"],
    ]);
    expect(replay[1]).toMatchObject({ message_id: root.id, reply_count: 1 });
    resumed.socket.close();
  });
});
