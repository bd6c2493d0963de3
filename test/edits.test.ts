import { describe, expect, it } from "vitest";
import type { EditEvent, TimelineEvent } from "../src/protocol";
import {
  api,
  eventually,
  expectError,
  type Message,
  newAdmin,
  newRoom,
  newUser,
  storedMessages,
} from "./helpers";
import { connect } from "./socket";

const post = async (token: string, roomId: number, content: string) =>
  (await api<Message>("POST", `/message/rooms/${roomId}/messages`, { token, json: { content } })).body;
const msgUrl = (roomId: number, id: string) => `/message/rooms/${roomId}/messages/${id}`;

describe("editing and deleting messages", () => {
  it("edits are timeline events: broadcast live with their own seq, shown as edited in history and PostgreSQL", async () => {
    const alice = await newUser();
    const room = await newRoom(alice);
    const { socket } = await connect(room.id, alice.token);
    const m = await post(alice.token, room.id, "helo");
    const res = await api<Message>("PATCH", msgUrl(room.id, m.id), {
      token: alice.token,
      json: { content: "hello" },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: m.id, seq: 1, content: "hello", deleted: false });
    expect(res.body.edited_at).toBeTypeOf("string");
    const edited = await socket.next("message.edited");
    expect(edited).toMatchObject({ seq: 2, message_id: m.id, content: "hello", user_id: alice.id });
    const history = await api<Message[]>("GET", `/message/rooms/${room.id}/messages`, { token: alice.token });
    expect(history.body.map((x) => x.content)).toEqual(["hello"]);
    const rows = await eventually(async () => {
      const r = await storedMessages(room.id);
      expect(r).toHaveLength(2);
      expect(r[0]?.content).toBe("hello");
      return r;
    });
    expect(rows.map((r) => [r.seq, r.kind])).toEqual([
      [1, "message"],
      [2, "edit"],
    ]);
    expect(rows[0]?.editedAt).not.toBeNull();
    socket.close();
  });

  it("only the author edits; unknown and deleted messages are refused", async () => {
    const alice = await newUser();
    const bob = await newUser();
    const room = await newRoom(alice);
    await api("POST", `/room/${room.id}/members/join`, { token: bob.token });
    const m = await post(alice.token, room.id, "mine");
    expectError(
      await api("PATCH", msgUrl(room.id, m.id), { token: bob.token, json: { content: "his" } }),
      403,
      "not_author",
    );
    expectError(
      await api("PATCH", msgUrl(room.id, "nope"), { token: alice.token, json: { content: "x" } }),
      404,
      "message_not_found",
    );
    expectError(
      await api("PATCH", msgUrl(room.id, m.id), { token: alice.token, json: { content: " " } }),
      422,
      "empty_message",
    );
    await api("DELETE", msgUrl(room.id, m.id), { token: alice.token });
    expectError(
      await api("PATCH", msgUrl(room.id, m.id), { token: alice.token, json: { content: "back" } }),
      409,
      "message_deleted",
    );
  });

  it("deletes leave tombstones without the text, for the author, room admins and global admins only", async () => {
    const owner = await newUser();
    const bob = await newUser();
    const carol = await newUser();
    const admin = await newAdmin();
    const room = await newRoom(owner);
    for (const u of [bob, carol]) await api("POST", `/room/${room.id}/members/join`, { token: u.token });
    const m1 = await post(bob.token, room.id, "secret one");
    const m2 = await post(bob.token, room.id, "secret two");
    const m3 = await post(bob.token, room.id, "secret three");
    expectError(await api("DELETE", msgUrl(room.id, m1.id), { token: carol.token }), 403, "forbidden");
    const byAuthor = await api("DELETE", msgUrl(room.id, m1.id), { token: bob.token });
    expect(byAuthor.body).toMatchObject({ id: m1.id, content: null, deleted: true });
    expect((await api("DELETE", msgUrl(room.id, m2.id), { token: owner.token })).status).toBe(200);
    expect((await api("DELETE", msgUrl(room.id, m3.id), { token: admin.token })).status).toBe(200);
    expectError(await api("DELETE", msgUrl(room.id, m3.id), { token: admin.token }), 409, "message_deleted");
    const history = await api<Message[]>("GET", `/message/rooms/${room.id}/messages`, { token: carol.token });
    expect(history.body.map((x) => [x.deleted, x.content])).toEqual([
      [true, null],
      [true, null],
      [true, null],
    ]);
    expect(JSON.stringify(history.body)).not.toContain("secret");
    await eventually(async () => {
      const rows = await storedMessages(room.id);
      expect(rows).toHaveLength(6);
      expect(JSON.stringify(rows)).not.toContain("secret");
    });
  });

  it("over the socket: edit and delete frames, refusals as error frames", async () => {
    const alice = await newUser();
    const bob = await newUser();
    const room = await newRoom(alice);
    const a = (await connect(room.id, alice.token)).socket;
    const b = (await connect(room.id, bob.token)).socket;
    a.send({ type: "message.send", content: "first draft" });
    const { id } = await a.next("ack");
    b.send({ type: "message.edit", message_id: id, content: "hijack" });
    expect(await b.next("error")).toMatchObject({ code: "not_author" });
    a.send({ type: "message.edit", message_id: id, content: "final" });
    expect(await b.next("message.edited")).toMatchObject({ seq: 2, message_id: id, content: "final" });
    b.send({ type: "message.delete", message_id: id });
    expect(await b.next("error")).toMatchObject({ code: "forbidden" });
    a.send({ type: "message.delete", message_id: id });
    expect(await b.next("message.deleted")).toMatchObject({ seq: 3, message_id: id, user_id: alice.id });
    a.close();
    b.close();
  });

  it("replays edits and deletes on resume, with no old text anywhere", async () => {
    const alice = await newUser();
    const room = await newRoom(alice);
    const a = (await connect(room.id, alice.token)).socket;
    a.send({ type: "message.send", content: "v1 text" });
    const { id } = await a.next("ack");
    a.send({ type: "message.send", content: "kept" });
    a.send({ type: "message.edit", message_id: id, content: "v2 text" });
    a.send({ type: "message.delete", message_id: id });
    await a.next("message.deleted");
    const { socket: b, ready } = await connect(room.id, alice.token, { since: 0 });
    expect(ready).toMatchObject({ recovered: true, replay_count: 4 });
    // `next()` takes frames as they come, whatever their type: the replay, timeline events (asserted below).
    const frames = [await b.next(), await b.next(), await b.next(), await b.next()] as TimelineEvent[];
    expect(frames.map((f) => [f.seq, f.type])).toEqual([
      [1, "message"],
      [2, "message"],
      [3, "message.edited"],
      [4, "message.deleted"],
    ]);
    expect(frames[0]).toMatchObject({ deleted: true, content: null });
    expect((frames[2] as EditEvent | undefined)?.content).toBeNull();
    expect(JSON.stringify(frames)).not.toMatch(/v1 text|v2 text/);
    a.close();
    b.close();
  });

  it("edits a message older than the room's cache (read from PostgreSQL)", async () => {
    const alice = await newUser();
    const room = await newRoom(alice);
    const first = await post(alice.token, room.id, "old one");
    for (let i = 0; i < 9; i++) await post(alice.token, room.id, `filler ${i}`);
    await eventually(async () => expect(await storedMessages(room.id)).toHaveLength(10));
    const res = await api<Message>("PATCH", msgUrl(room.id, first.id), {
      token: alice.token,
      json: { content: "old one, fixed" },
    });
    expect(res.body).toMatchObject({ seq: 1, content: "old one, fixed" });
    const page = await api<Message[]>("GET", `/message/rooms/${room.id}/messages?limit=1&before=2`, {
      token: alice.token,
    });
    expect(page.body[0]?.content).toBe("old one, fixed");
  });
});
