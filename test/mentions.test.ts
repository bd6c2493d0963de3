import { describe, expect, it } from "vitest";
import {
  api,
  type ErrorBody,
  eventually,
  type MentionsPage,
  type Message,
  newRoom,
  newUser,
  type RoomSummary,
  storedMessages,
} from "./helpers";
import { database } from "./outage";
import { connect } from "./socket";

const post = (token: string, roomId: number, content: string) =>
  api<Message>("POST", `/message/rooms/${roomId}/messages`, { token, json: { content } });

describe("mentions and unread counts", () => {
  it("resolves @username to readers of the room only, without telling whether anyone else exists", async () => {
    const alice = await newUser("alice");
    const bob = await newUser("bob");
    const carol = await newUser("carol");
    const room = await newRoom(alice, { kind: "private" });
    await api("POST", `/room/${room.id}/members`, { token: alice.token, json: { user_id: bob.id } });
    const { socket } = await connect(room.id, bob.token);

    // carol exists but cannot read the room; the other name exists nowhere: both stay plain text.
    const sent = await post(
      alice.token,
      room.id,
      `hi @${bob.username.toUpperCase()}, @${carol.username} and @nobody_${bob.id}x, also @${alice.username}`,
    );
    expect(sent.status).toBe(201);
    expect(sent.body.mentions).toEqual([bob.id]);
    expect(await socket.next("message")).toMatchObject({ id: sent.body.id, mentions: [bob.id] });
    socket.close();

    const withStranger = await post(alice.token, room.id, `@${carol.username}`);
    const withNobody = await post(alice.token, room.id, `@nobody_${carol.id}y`);
    expect(withStranger.body.mentions).toEqual(withNobody.body.mentions);
  });

  it("derives unread_count and mention_count from the read marker; GET /mentions lists rooms still readable", async () => {
    const alice = await newUser("alice");
    const bob = await newUser("bob");
    const room = await newRoom(alice, { kind: "private" });
    const open = await newRoom(alice);
    await api("POST", `/room/${room.id}/members`, { token: alice.token, json: { user_id: bob.id } });
    await api("POST", `/room/${open.id}/members/join`, { token: bob.token });
    await post(alice.token, room.id, "plain");
    const m1 = (await post(alice.token, room.id, `@${bob.username} first`)).body;
    const m2 = (await post(alice.token, room.id, `second for @${bob.username}`)).body;
    const inOpen = (await post(alice.token, open.id, `@${bob.username} in the open room`)).body;
    await eventually(async () => expect((await storedMessages(room.id)).length).toBe(3));
    await eventually(async () => expect((await storedMessages(open.id)).length).toBe(1));

    const summary = async (id: number) =>
      (await api<RoomSummary[]>("GET", "/room/rooms", { token: bob.token })).body.find((r) => r.id === id);
    expect(await summary(room.id)).toMatchObject({ unread_count: 3, mention_count: 2 });

    // Reading up to the first mention leaves one of each.
    await api("POST", `/room/${room.id}/read`, { token: bob.token, json: { seq: m1.seq } });
    expect(await summary(room.id)).toMatchObject({ unread_count: 1, mention_count: 1 });
    // A deleted mention no longer counts.
    await api("DELETE", `/message/rooms/${room.id}/messages/${m2.id}`, { token: alice.token });
    // The counts come from the room: exact at once, before the delete reaches PostgreSQL.
    expect(await summary(room.id)).toMatchObject({ unread_count: 0, mention_count: 0 });
    // GET /mentions reads PostgreSQL: it follows once the delete is copied.
    await eventually(async () =>
      expect((await storedMessages(room.id)).find((m) => m.id === m2.id)?.deletedAt).toBeTruthy(),
    );

    const mentions = await api<MentionsPage>("GET", "/mentions", { token: bob.token });
    expect(mentions.status).toBe(200);
    expect(mentions.body.results.map((m) => m.id)).toEqual([inOpen.id, m1.id]);
    const paged = await api<MentionsPage>("GET", "/mentions?limit=1", { token: bob.token });
    expect(paged.body.results.map((m) => m.id)).toEqual([inOpen.id]);
    const next = await api<MentionsPage>("GET", `/mentions?limit=1&cursor=${paged.body.next_cursor}`, {
      token: bob.token,
    });
    expect(next.body).toMatchObject({ results: [{ id: m1.id }], next_cursor: null });

    // Removed from the private room: its mentions are gone from the list.
    await api("DELETE", `/room/${room.id}/members/${bob.id}`, { token: alice.token });
    const after = await api<MentionsPage>("GET", "/mentions", { token: bob.token });
    expect(after.body.results.map((m) => m.id)).toEqual([inOpen.id]);
    expect(
      (await api<ErrorBody>("GET", "/mentions?cursor=garbage!", { token: bob.token })).body.error.code,
    ).toBe("invalid_cursor");
  });

  it("a mention over the socket reaches the mentioned user's sockets with the event, and a resume replays it", async () => {
    const alice = await newUser("alice");
    const bob = await newUser("bob");
    const room = await newRoom(alice);
    await api("POST", `/room/${room.id}/members/join`, { token: bob.token });
    const a = await connect(room.id, alice.token);
    const b = await connect(room.id, bob.token);
    a.socket.send({ type: "message.send", content: `ping @${bob.username}`, client_id: "m" });
    expect(await a.socket.next("ack")).toMatchObject({ client_id: "m", seq: 1 });
    expect(await b.socket.next("message")).toMatchObject({ seq: 1, mentions: [bob.id] });
    b.socket.close();
    a.socket.close();
    const resumed = await connect(room.id, bob.token, { since: 0, epoch: b.ready.epoch });
    expect(await resumed.socket.next("message")).toMatchObject({ seq: 1, mentions: [bob.id] });
    resumed.socket.close();
  });
});

describe("conversations while PostgreSQL is unreachable", () => {
  it("still accepts mentions (unresolved), replies to and reactions on recent messages", async () => {
    const alice = await newUser("alice");
    const bob = await newUser("bob");
    const room = await newRoom(alice);
    await api("POST", `/room/${room.id}/members/join`, { token: bob.token });
    const { socket } = await connect(room.id, alice.token);
    socket.send({ type: "message.send", content: "root", client_id: "r" });
    const root = await socket.next("ack");
    await database("down");
    try {
      socket.send({ type: "message.send", content: `hey @${bob.username}`, client_id: "m" });
      expect(await socket.next("ack")).toMatchObject({ client_id: "m", seq: 2 });
      socket.send({ type: "message.send", content: "reply", reply_to: root.id, client_id: "re" });
      expect(await socket.next("ack")).toMatchObject({ client_id: "re", seq: 3 });
      socket.send({ type: "reaction.add", message_id: root.id, key: "👍" });
      expect(await socket.next("reaction.ack")).toMatchObject({ changed: true, seq: 5 });
    } finally {
      await database("up");
    }
    await eventually(async () => expect((await storedMessages(room.id)).length).toBe(5), 15_000);
    socket.close();
  });
});
