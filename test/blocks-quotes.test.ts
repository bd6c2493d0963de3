import { describe, expect, it } from "vitest";
import {
  api,
  block,
  eventually,
  listedRoom,
  type Message,
  postAs as post,
  storedMessages,
  type TestUser,
  threeInARoom,
  unblock,
} from "./helpers";
import { connect, type Frame } from "./socket";

const HIDDEN_QUOTE = { user_id: null, username: null, excerpt: null, deleted: false, hidden: true };

const reply = (who: TestUser, roomId: number, content: string, replyTo: string) =>
  api<Message>("POST", `/message/rooms/${roomId}/messages`, {
    token: who.token,
    json: { content, reply_to: replyTo },
  });
const history = async (who: TestUser, roomId: number, query = "") =>
  (await api<Message[]>("GET", `/message/rooms/${roomId}/messages${query}`, { token: who.token })).body;
const found = async (who: TestUser, path: string) =>
  (await api<{ results: Message[] }>("GET", path, { token: who.token })).body.results;
/** The reply with id `id` among frames or messages. */
const theReply = (all: Array<Frame | Message>, id: string) =>
  all.find((m) => "id" in m && m.id === id) as Message | undefined;

describe("a reply quoting someone the reader blocked hides the quote like the message", () => {
  it("live, on resume, in history, threads, search and mentions, from the cache and from PostgreSQL", async () => {
    const { alice, bob, carol, room } = await threeInARoom();
    const a = (await connect(room.id, alice.token)).socket;
    const c = (await connect(room.id, carol.token)).socket;
    const root = (await post(bob, room.id, "bob's secret")).body;
    await a.next("message");
    await block(alice, bob);
    const answer = (await reply(carol, room.id, `carol answers @${alice.username}`, root.id)).body;
    expect(answer.parent).toMatchObject({ user_id: bob.id, excerpt: "bob's secret" });

    // Live: Alice gets Carol's reply without what it quotes; Carol gets it whole.
    const live = await a.next("message");
    expect(live).toMatchObject({
      id: answer.id,
      content: answer.content,
      parent: { id: root.id, ...HIDDEN_QUOTE },
    });
    expect(JSON.stringify(live)).not.toContain("secret");
    expect((await c.take(2, "message"))[1]?.parent).toMatchObject({ excerpt: "bob's secret" });

    // Resume and REST pages from the room's cache.
    const cached = await connect(room.id, alice.token, { since: 0 });
    const replayed = await cached.socket.take(3, ["message", "hidden", "thread.updated"]);
    expect(theReply(replayed, answer.id)?.parent, "cache resume").toEqual({ id: root.id, ...HIDDEN_QUOTE });
    expect(theReply(await history(alice, room.id), answer.id)?.parent, "cache history").toEqual({
      id: root.id,
      ...HIDDEN_QUOTE,
    });
    const thread = await history(alice, room.id, `/${root.id}/thread`);
    expect(theReply(thread, answer.id)?.parent, "thread").toEqual({ id: root.id, ...HIDDEN_QUOTE });
    expect(theReply(await history(carol, room.id), answer.id)?.parent).toMatchObject({
      excerpt: "bob's secret",
    });

    // Beyond the cache (5 events in tests): resume and history pages from PostgreSQL.
    for (let i = 0; i < 6; i++) await post(carol, room.id, `later ${i}`);
    await eventually(async () => expect(await storedMessages(room.id)).toHaveLength(9));
    const far = await connect(room.id, alice.token, { since: 0, batch: true });
    expect(far.ready.recovered).toBe(true);
    const all = await far.socket.take(9, ["message", "hidden", "thread.updated"]);
    expect(theReply(all, answer.id)?.parent, "PostgreSQL resume").toEqual({ id: root.id, ...HIDDEN_QUOTE });
    const old = await history(alice, room.id, "?before=4&limit=3");
    expect(theReply(old, answer.id)?.parent, "PostgreSQL history").toEqual({ id: root.id, ...HIDDEN_QUOTE });
    expect(JSON.stringify(old)).not.toContain("secret");

    // Search and the mentions list (PostgreSQL's pages) hide it as well.
    const hits = await found(alice, `/search?q=answers&room_id=${room.id}`);
    expect(theReply(hits, answer.id)?.parent, "search").toEqual({ id: root.id, ...HIDDEN_QUOTE });
    const mentions = await found(alice, `/mentions?room_id=${room.id}`);
    expect(theReply(mentions, answer.id)?.parent, "mentions").toEqual({ id: root.id, ...HIDDEN_QUOTE });
    expect((await found(carol, `/search?q=answers&room_id=${room.id}`))[0]?.parent).toMatchObject({
      excerpt: "bob's secret",
    });

    // Unblocking shows the quote again, as it shows Bob's messages again.
    await unblock(alice, bob);
    expect(theReply(await history(alice, room.id, "?before=4&limit=3"), answer.id)?.parent).toMatchObject({
      user_id: bob.id,
      excerpt: "bob's secret",
    });
  });

  it("a reply posted before the block hides its quote on the blocker's open socket's resume too", async () => {
    const { alice, bob, carol, room } = await threeInARoom();
    const root = (await post(bob, room.id, "bob speaks")).body;
    const answer = (await reply(carol, room.id, "carol replies", root.id)).body;
    await block(alice, bob);
    const { socket } = await connect(room.id, alice.token, { since: 0 });
    const replayed = await socket.take(3, ["message", "hidden", "thread.updated"]);
    expect(replayed.map((f) => f.type)).toEqual(["hidden", "message", "thread.updated"]);
    expect(theReply(replayed, answer.id)?.parent).toEqual({ id: root.id, ...HIDDEN_QUOTE });
    // Bob, who was blocked, sees everything as it is.
    const his = await connect(room.id, bob.token, { since: 0 });
    const seen = await his.socket.take(3, ["message", "hidden", "thread.updated"]);
    expect(theReply(seen, answer.id)?.parent).toMatchObject({ user_id: bob.id, excerpt: "bob speaks" });
  });
});

/** Bob's message hidden by a shadow-ban that is lifted after it; Alice reads, Carol owns the room. */
async function ghostQuoted() {
  const { alice, bob, carol, room } = await threeInARoom();
  const bans = `/room/${room.id}/moderation/shadow-bans/${bob.id}`;
  expect((await api("PUT", bans, { token: carol.token })).status).toBe(200);
  const ghost = (await post(bob, room.id, "bob's ghost")).body;
  expect((await api("DELETE", bans, { token: carol.token })).status).toBe(200);
  return { alice, bob, carol, room, ghost };
}

describe("a reply quoting a message hidden from the reader hides the quote", () => {
  it("shadow-banned, then unbanned: the quote is its author's alone, live, on resume, in every page", async () => {
    const { alice, bob, carol, room, ghost } = await ghostQuoted();
    const a = (await connect(room.id, alice.token)).socket;
    const b = (await connect(room.id, bob.token)).socket;
    // Bob, no longer banned, replies to the message only he sees: the reply is public, its quote not.
    const answer = (await reply(bob, room.id, "bob answers himself", ghost.id)).body;
    const whole = {
      id: ghost.id,
      user_id: bob.id,
      username: bob.username,
      excerpt: "bob's ghost",
      deleted: false,
    };
    expect(answer.parent, "Bob's 201").toEqual(whole);
    const live = await a.next("message");
    expect(live).toMatchObject({ id: answer.id, content: "bob answers himself" });
    expect(live.parent, "live").toEqual({ id: ghost.id, ...HIDDEN_QUOTE });
    expect(JSON.stringify(live)).not.toContain("ghost");
    expect((await b.next("message")).parent, "Bob live").toEqual(whole);

    const cached = await connect(room.id, alice.token, { since: 0 });
    const replayed = await cached.socket.take(3, ["message", "hidden", "thread.updated"]);
    expect(replayed.map((f) => f.type)).toEqual(["hidden", "message", "hidden"]);
    expect(theReply(replayed, answer.id)?.parent, "cache resume").toEqual({ id: ghost.id, ...HIDDEN_QUOTE });
    for (const [who, label] of [
      [alice, "Alice"],
      [carol, "Carol, the room's owner"],
    ] as const) {
      expect(theReply(await history(who, room.id), answer.id)?.parent, `${label}: history`).toEqual({
        id: ghost.id,
        ...HIDDEN_QUOTE,
      });
      const thread = await history(who, room.id, `/${ghost.id}/thread`);
      expect(theReply(thread, answer.id)?.parent, `${label}: thread`).toEqual({
        id: ghost.id,
        ...HIDDEN_QUOTE,
      });
    }
    expect(theReply(await history(bob, room.id), answer.id)?.parent, "Bob's history").toEqual(whole);

    // The rooms list's last message and search read PostgreSQL's copy.
    await eventually(async () => expect(await storedMessages(room.id)).toHaveLength(3));
    expect((await listedRoom(alice, room.id))?.last_message?.parent, "rooms list").toEqual({
      id: ghost.id,
      ...HIDDEN_QUOTE,
    });
    expect((await listedRoom(bob, room.id))?.last_message?.parent, "Bob's rooms list").toEqual(whole);
    const hits = await found(alice, `/search?q=answers&room_id=${room.id}`);
    expect(theReply(hits, answer.id)?.parent, "search").toEqual({ id: ghost.id, ...HIDDEN_QUOTE });
    expect((await found(bob, `/search?q=answers&room_id=${room.id}`))[0]?.parent, "Bob's search").toEqual(
      whole,
    );

    // Beyond the cache (5 events in tests): resume and history pages from PostgreSQL.
    for (let i = 0; i < 6; i++) await post(carol, room.id, `later ${i}`);
    await eventually(async () => expect(await storedMessages(room.id)).toHaveLength(9));
    const far = await connect(room.id, alice.token, { since: 0, batch: true });
    expect(far.ready.recovered).toBe(true);
    const all = await far.socket.take(9, ["message", "hidden", "thread.updated"]);
    expect(theReply(all, answer.id)?.parent, "PostgreSQL resume").toEqual({ id: ghost.id, ...HIDDEN_QUOTE });
    const old = await history(alice, room.id, "?before=4&limit=3");
    expect(theReply(old, answer.id)?.parent, "PostgreSQL history").toEqual({ id: ghost.id, ...HIDDEN_QUOTE });
    expect(JSON.stringify(old)).not.toContain("ghost");
    expect(theReply(await history(bob, room.id, "?before=4&limit=3"), answer.id)?.parent).toEqual(whole);

    // A moderator deleting the reply is answered with it as they see it.
    const removed = await api<Message>("DELETE", `/message/rooms/${room.id}/messages/${answer.id}`, {
      token: carol.token,
    });
    expect(removed.body.parent, "the delete's answer").toEqual({ id: ghost.id, ...HIDDEN_QUOTE });
  });

  it("the blocker's own answers hide the quote as their history does", async () => {
    const { alice, bob, room } = await threeInARoom();
    const root = (await post(bob, room.id, "bob's secret")).body;
    await block(alice, bob);
    const a = (await connect(room.id, alice.token)).socket;
    const answer = (await reply(alice, room.id, "alice answers anyway", root.id)).body;
    expect(answer.parent, "her 201").toEqual({ id: root.id, ...HIDDEN_QUOTE });
    expect((await a.next("message")).parent, "her socket").toEqual({ id: root.id, ...HIDDEN_QUOTE });
    expect(theReply(await history(alice, room.id), answer.id)?.parent, "her history").toEqual({
      id: root.id,
      ...HIDDEN_QUOTE,
    });
    // A send with a client_id and its retry (which answers the first message) alike.
    const again = await api<Message>("POST", `/message/rooms/${room.id}/messages`, {
      token: alice.token,
      json: { content: "alice answers anyway", reply_to: root.id, client_id: "twice" },
    });
    const retry = await api<Message>("POST", `/message/rooms/${room.id}/messages`, {
      token: alice.token,
      json: { content: "alice answers anyway", reply_to: root.id, client_id: "twice" },
    });
    expect(retry.body.id).toBe(again.body.id);
    expect([again.body.parent, retry.body.parent], "first send and its retry").toEqual([
      { id: root.id, ...HIDDEN_QUOTE },
      { id: root.id, ...HIDDEN_QUOTE },
    ]);
    const edited = await api<Message>("PATCH", `/message/rooms/${room.id}/messages/${answer.id}`, {
      token: alice.token,
      json: { content: "alice answers, edited" },
    });
    expect(edited.body.parent, "her edit's answer").toEqual({ id: root.id, ...HIDDEN_QUOTE });
    // Bob, who was blocked, is quoted whole in the answers of anyone else.
    expect((await reply(bob, room.id, "bob replies to himself", root.id)).body.parent).toMatchObject({
      excerpt: "bob's secret",
    });
  });
});
