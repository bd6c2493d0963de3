import { describe, expect, it } from "vitest";
import { api, eventually, type Message, newRoom, newUser, storedMessages } from "./helpers";
import { connect } from "./socket";

const post = (token: string, roomId: number, json: Record<string, unknown>) =>
  api<Message>("POST", `/message/rooms/${roomId}/messages`, { token, json });

/** What PostgreSQL holds of a room is what the room sequenced, field by field (outbox/copy-statements.ts). */
describe("the outbox's copy", () => {
  it("stores every field of every kind of event as the room sequenced it", async () => {
    const alice = await newUser("alice");
    const bob = await newUser("bob");
    const room = await newRoom(alice);
    await api("POST", `/room/${room.id}/members/join`, { token: bob.token });
    const { socket } = await connect(room.id, alice.token);
    // A socket send (group commit) with a mention, a client_id and text JSON must escape; a
    // reply (and its thread counter); an edit; a delete.
    const text = `hi @${bob.username} "quoted" \\ ü 😀\n`;
    socket.send({ type: "message.send", content: text, client_id: "c1" });
    const first = await socket.next("message");
    const reply = (await post(bob.token, room.id, { content: "answer", reply_to: first.id })).body;
    const changed = (await post(alice.token, room.id, { content: "to edit" })).body;
    socket.send({ type: "message.edit", message_id: changed.id, content: "edited" });
    const edit = await socket.next("message.edited");
    const gone = (await post(bob.token, room.id, { content: "to delete" })).body;
    socket.send({ type: "message.delete", message_id: gone.id });
    const del = await socket.next("message.deleted");

    const rows = await eventually(async () => {
      const r = await storedMessages(room.id);
      expect(r.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      return r;
    });
    const [m1, m2, thread, m4, e5, m6, d7] = rows;
    expect(m1).toMatchObject({
      id: first.id,
      kind: "message",
      userId: alice.id,
      content: text,
      clientId: "c1",
      mentions: [bob.id],
      replyTo: null,
      editedAt: null,
      deletedAt: null,
    });
    expect(m1?.createdAt.toISOString()).toBe(first.created_at);
    expect(m2).toMatchObject({ id: reply.id, replyTo: first.id, userId: bob.id, content: "answer" });
    expect(m2?.createdAt.toISOString()).toBe(reply.created_at);
    expect(m2?.data).toMatchObject({ parent: { id: first.id, user_id: alice.id } });
    expect(thread).toMatchObject({ kind: "thread", targetId: first.id, content: null, userId: bob.id });
    expect(m1?.replyCount).toBe(1);
    expect(m4).toMatchObject({ id: changed.id, content: "edited", mentions: null });
    expect(m4?.editedAt?.toISOString()).toBe(edit.edited_at);
    expect(e5).toMatchObject({ kind: "edit", targetId: changed.id, content: null, userId: alice.id });
    expect(e5?.createdAt.toISOString()).toBe(edit.edited_at);
    expect(m6).toMatchObject({ id: gone.id, content: null });
    expect(m6?.deletedAt?.toISOString()).toBe(del.deleted_at);
    expect(d7).toMatchObject({ kind: "delete", targetId: gone.id, userId: alice.id });
    socket.close();
  });
});
