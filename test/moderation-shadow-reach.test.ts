import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { messageReactions, messages } from "../src/db/schema";
import { newReceiver } from "./fakes";
import {
  api,
  eventually,
  type Message,
  newRoom,
  newUser,
  type ReactionOutcome,
  storedMessages,
  withTestDb,
} from "./helpers";
import { connect } from "./socket";

// A shadow-banned user's events reach nobody but them: not webhooks, not counts, not totals.

const send = async (token: string, roomId: number, content: string, replyTo?: string) =>
  (
    await api<Message>("POST", `/message/rooms/${roomId}/messages`, {
      token,
      json: { content, ...(replyTo && { reply_to: replyTo }) },
    })
  ).body;
const react = (token: string, roomId: number, messageId: string, key: string) =>
  api<ReactionOutcome>(
    "PUT",
    `/message/rooms/${roomId}/messages/${messageId}/reactions/${encodeURIComponent(key)}`,
    { token },
  );
const history = async (token: string, roomId: number) =>
  (await api<Message[]>("GET", `/message/rooms/${roomId}/messages?limit=100`, { token })).body;

async function setting() {
  const owner = await newUser("owner");
  const troll = await newUser("troll");
  const reader = await newUser("reader");
  const room = await newRoom(owner);
  for (const u of [troll, reader]) await api("POST", `/room/${room.id}/members/join`, { token: u.token });
  await api("PUT", `/room/${room.id}/moderation/shadow-bans/${troll.id}`, { token: owner.token });
  return { owner, troll, reader, room };
}

describe("shadow-ban beyond the sockets", () => {
  it("webhooks never receive a shadow-banned user's messages, edits, reactions or replies", async () => {
    const { owner, troll, room } = await setting();
    const receiver = await newReceiver();
    const hook = await api<{ id: string; secret: string }>("POST", `/room/${room.id}/webhooks`, {
      token: owner.token,
      json: { url: receiver.url },
    });
    await receiver.setSecret(hook.body.secret);
    const hello = await send(owner.token, room.id, "hello");
    const ghost = await send(troll.token, room.id, "ghost");
    await react(troll.token, room.id, hello.id, "👍");
    await api("PATCH", `/message/rooms/${room.id}/messages/${ghost.id}`, {
      token: troll.token,
      json: { content: "ghost edited" },
    });
    await send(troll.token, room.id, "ghost reply", hello.id);
    const after = await send(owner.token, room.id, "after");
    // Delivered up to the last seq: the hidden ones were passed over, not waited for.
    await eventually(async () => {
      const [h] = (
        await api<Array<{ delivered_seq: number }>>("GET", `/room/${room.id}/webhooks`, {
          token: owner.token,
        })
      ).body;
      expect(h?.delivered_seq).toBe(after.seq);
    }, 15_000);
    const state = await receiver.state();
    expect(state.accepted.map((a) => [a.type, a.data.content])).toEqual([
      ["message.created", "hello"],
      ["message.created", "after"],
    ]);
    expect(JSON.stringify(state.accepted)).not.toContain("ghost");
    expect(state.accepted.some((a) => a.data.user_id === troll.id)).toBe(false);
  });

  it("thread counts leave hidden replies out for everyone but their author: live, REST and on resume", async () => {
    const { owner, troll, reader, room } = await setting();
    const root = await send(owner.token, room.id, "root");
    const readerSocket = (await connect(room.id, reader.token)).socket;
    const trollSocket = (await connect(room.id, troll.token)).socket;
    await send(reader.token, room.id, "visible reply", root.id);
    await send(troll.token, room.id, "hidden reply", root.id);
    await send(owner.token, room.id, "second visible", root.id);
    const live = await readerSocket.take(2, "thread.updated");
    expect(live.map((t) => t.reply_count)).toEqual([1, 2]);
    expect(readerSocket.pending("hidden").length).toBeGreaterThanOrEqual(2);
    // The author sees their reply counted in their own counter event.
    const own = await trollSocket.take(3, "thread.updated");
    expect(own.map((t) => t.reply_count)).toEqual([1, 2, 2]);
    readerSocket.close();
    trollSocket.close();

    const count = (page: Message[]) => page.find((m) => m.id === root.id)?.reply_count;
    expect(count(await history(reader.token, room.id))).toBe(2);
    expect(count(await history(owner.token, room.id))).toBe(2);
    expect(count(await history(troll.token, room.id))).toBe(3);
    const thread = await api<Message[]>("GET", `/message/rooms/${room.id}/messages/${root.id}/thread`, {
      token: reader.token,
    });
    expect(thread.body.map((m) => m.content)).toEqual(["visible reply", "second visible"]);

    // Resume: the counter events replayed carry the public counts; PostgreSQL holds them too.
    const { socket, ready } = await connect(room.id, reader.token, { since: 0 });
    const replay = await socket.take(ready.replay_count, ["message", "hidden", "thread.updated"]);
    socket.close();
    expect(replay.filter((f) => f.type === "thread.updated").map((f) => f.reply_count)).toEqual([1, 2]);
    await eventually(async () => {
      const rows = await withTestDb((db) => db.select().from(messages).where(eq(messages.id, root.id)));
      expect(rows[0]?.replyCount).toBe(2);
    });
  });

  it("reaction totals leave hidden reactions out for everyone but their author", async () => {
    const { owner, troll, reader, room } = await setting();
    const msg = await send(owner.token, room.id, "react to me");
    const ownerSocket = (await connect(room.id, owner.token)).socket;
    const mine = await react(troll.token, room.id, msg.id, "👍");
    expect(mine.body.reactions).toEqual([{ key: "👍", count: 1, me: true }]);
    const theirs = await react(reader.token, room.id, msg.id, "👍");
    expect(theirs.body.reactions).toEqual([{ key: "👍", count: 1, me: true }]);
    const [event] = await ownerSocket.take(1, "reaction");
    // (`me` on a live event is the actor's.)
    expect(event?.reactions.map((r) => [r.key, r.count])).toEqual([["👍", 1]]);
    ownerSocket.close();
    const totals = async (token: string) =>
      (await history(token, room.id)).find((m) => m.id === msg.id)?.reactions;
    expect(await totals(owner.token)).toEqual([{ key: "👍", count: 1, me: false }]);
    expect(await totals(reader.token)).toEqual([{ key: "👍", count: 1, me: true }]);
    expect(await totals(troll.token)).toEqual([{ key: "👍", count: 2, me: true }]);
    // PostgreSQL holds what everyone sees: the hidden reaction is not copied.
    await eventually(async () => expect((await storedMessages(room.id)).length).toBeGreaterThanOrEqual(3));
    await eventually(async () => {
      const rows = await withTestDb((db) =>
        db.select().from(messageReactions).where(eq(messageReactions.messageId, msg.id)),
      );
      expect(rows.map((r) => r.userId)).toEqual([reader.id]);
    });
  });
});
