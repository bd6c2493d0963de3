import { describe, expect, it } from "vitest";
import { api, eventually, expectError, type Message, newRoom, newUser, storedMessages } from "./helpers";
import { connect, seqs } from "./socket";

const send = async (token: string, roomId: number, content: string) =>
  (await api<Message>("POST", `/message/rooms/${roomId}/messages`, { token, json: { content } })).body;
const history = async (token: string, roomId: number) =>
  (await api<Message[]>("GET", `/message/rooms/${roomId}/messages?limit=100`, { token })).body.map(
    (m) => m.content,
  );

async function setting() {
  const owner = await newUser("owner");
  const troll = await newUser("troll");
  const reader = await newUser("reader");
  const room = await newRoom(owner);
  for (const u of [troll, reader]) await api("POST", `/room/${room.id}/members/join`, { token: u.token });
  return { owner, troll, reader, room };
}

describe("shadow-ban", () => {
  it("the author's events are acked and shown to them; everyone else gets a placeholder at that seq", async () => {
    const { owner, troll, reader, room } = await setting();
    const trollSocket = (await connect(room.id, troll.token)).socket;
    const readerSocket = (await connect(room.id, reader.token)).socket;
    await send(owner.token, room.id, "welcome");
    expect(
      (await api("PUT", `/room/${room.id}/moderation/shadow-bans/${troll.id}`, { token: owner.token }))
        .status,
    ).toBe(200);
    trollSocket.send({ type: "message.send", content: "ghost 1", client_id: "g1" });
    expect(await trollSocket.next("ack")).toMatchObject({ client_id: "g1", seq: 2 });
    const ghost = await send(troll.token, room.id, "ghost 2");
    expect(ghost).toMatchObject({ seq: 3, content: "ghost 2" });
    await send(owner.token, room.id, "after");
    // The author sees everything, as if nothing happened.
    const own = await trollSocket.take(4, "message");
    expect(own.map((m) => m.content)).toEqual(["welcome", "ghost 1", "ghost 2", "after"]);
    expect(trollSocket.pending("hidden")).toEqual([]);
    // Another reader: the same seqs, the troll's as placeholders without content.
    const seen = await readerSocket.take(4, ["message", "hidden"]);
    expect(seen.map((f) => [f.seq, f.type])).toEqual([
      [1, "message"],
      [2, "hidden"],
      [3, "hidden"],
      [4, "message"],
    ]);
    expect(JSON.stringify(seen)).not.toContain("ghost");
    // REST history: the author sees theirs, others do not.
    expect(await history(troll.token, room.id)).toEqual(["welcome", "ghost 1", "ghost 2", "after"]);
    expect(await history(reader.token, room.id)).toEqual(["welcome", "after"]);
    // Nor do they count in anyone else's unread count or show as the last message.
    const rooms = await api<
      Array<{ id: number; unread_count: number; last_message: { content: string | null } | null }>
    >("GET", "/room/rooms", { token: reader.token });
    const summary = rooms.body.find((r) => r.id === room.id);
    expect(summary).toMatchObject({ unread_count: 2, last_message: { content: "after" } });
    trollSocket.close();
    readerSocket.close();
  });

  it("resume across hidden events is exact, from the cache and from PostgreSQL", async () => {
    const { owner, troll, reader, room } = await setting();
    await api("PUT", `/room/${room.id}/moderation/shadow-bans/${troll.id}`, { token: owner.token });
    for (let i = 1; i <= 8; i++) await send(i % 2 ? troll.token : owner.token, room.id, `m${i}`);
    // The tests' room cache holds 5 events: seqs 1-3 come from PostgreSQL once copied.
    await eventually(async () => expect(await storedMessages(room.id)).toHaveLength(8));
    await eventually(async () => {
      const { socket, ready } = await connect(room.id, reader.token, { since: 0 });
      expect(ready).toMatchObject({ recovered: true, replay_count: 8 });
      const replay = await socket.take(8, ["message", "hidden"]);
      socket.close();
      expect(seqs(replay)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(replay.map((f) => f.type)).toEqual([
        "hidden",
        "message",
        "hidden",
        "message",
        "hidden",
        "message",
        "hidden",
        "message",
      ]);
    });
    const { socket, ready } = await connect(room.id, troll.token, { since: 0 });
    expect(ready.replay_count).toBe(8);
    const mine = await socket.take(8, ["message", "hidden"]);
    expect(mine.map((f) => f.type)).toEqual(Array(8).fill("message"));
    socket.close();
    // PostgreSQL marks them too, for its own reads (search, history pages beyond the cache).
    const rows = await storedMessages(room.id);
    expect(rows.filter((r) => r.hidden).map((r) => r.seq)).toEqual([1, 3, 5, 7]);
    expect(await history(reader.token, room.id)).toEqual(["m2", "m4", "m6", "m8"]);
  });

  it("lifting it shows new events again; what was hidden stays hidden", async () => {
    const { owner, troll, reader, room } = await setting();
    await api("PUT", `/room/${room.id}/moderation/shadow-bans/${troll.id}`, { token: owner.token });
    await send(troll.token, room.id, "hidden one");
    expect(
      (await api("DELETE", `/room/${room.id}/moderation/shadow-bans/${troll.id}`, { token: owner.token }))
        .status,
    ).toBe(200);
    await send(troll.token, room.id, "visible one");
    expect(await history(reader.token, room.id)).toEqual(["visible one"]);
    expectError(
      await api("DELETE", `/room/${room.id}/moderation/shadow-bans/${troll.id}`, { token: owner.token }),
      404,
      "not_shadow_banned",
    );
  });
});
