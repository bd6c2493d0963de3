import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { inboxStub } from "../src/inbox/notify";
import {
  api,
  listedRoom as listed,
  type Message,
  newRoom,
  newUser,
  storedMessages,
  type TestUser,
} from "./helpers";
import { connectInbox, type InboxOf, type InboxSocket } from "./inbox-socket";
import { database } from "./outage";
import { connect } from "./socket";

const post = (u: TestUser, roomId: number, content: string) =>
  api<Message>("POST", `/message/rooms/${roomId}/messages`, { token: u.token, json: { content } });

/** The next head of a room on a channel whose room seq reached `seq` (heads of one room coalesce). */
async function headAt(socket: InboxSocket, roomId: number, seq: number): Promise<InboxOf<"room.head">> {
  for (;;) {
    const f = await socket.next();
    if (f.type === "room.head" && f.room_id === roomId && f.room_seq >= seq) return f;
  }
}

async function roomWithMember() {
  const alice = await newUser("alice");
  const bob = await newUser("bob");
  const room = await newRoom(alice, { kind: "private" });
  await api("POST", `/room/${room.id}/members`, { token: alice.token, json: { user_id: bob.id } });
  return { alice, bob, room };
}

describe("room heads on the inbox channel", () => {
  it("a message in a room you are not connected to arrives with exact counts; REST agrees at once", async () => {
    const { alice, bob, room } = await roomWithMember();
    const { socket } = await connectInbox(bob.token);
    const first = await post(alice, room.id, "hello bob");
    const second = await post(alice, room.id, `look @${bob.username}`);
    const head = await headAt(socket, room.id, second.body.seq);
    expect(head).toMatchObject({
      room_id: room.id,
      room_seq: second.body.seq,
      read_seq: 0,
      unread_count: 2,
      mention_count: 1,
      last_message: {
        id: second.body.id,
        user_id: alice.id,
        username: alice.username,
        excerpt: `look @${bob.username}`,
      },
    });
    expect(await listed(bob, room.id)).toMatchObject({ unread_count: 2, mention_count: 1 });
    // The author's own messages are not unread for them.
    expect(await listed(alice, room.id)).toMatchObject({ unread_count: 0, mention_count: 0 });
    await api("DELETE", `/message/rooms/${room.id}/messages/${first.body.id}`, { token: alice.token });
    expect(await headAt(socket, room.id, second.body.seq + 1)).toMatchObject({
      unread_count: 1,
      mention_count: 1,
    });
  });

  it("says whether a device saw a message live (the hook push notifications ask)", async () => {
    const { alice, bob, room } = await roomWithMember();
    const carol = await newUser("carol");
    await api("POST", `/room/${room.id}/members`, { token: alice.token, json: { user_id: carol.id } });
    const { socket } = await connectInbox(bob.token);
    const sent = await post(alice, room.id, "are you there?");
    await headAt(socket, room.id, sent.body.seq);
    expect(await inboxStub(env, bob.id).seenLive(room.id, sent.body.seq)).toBe(true);
    expect(await inboxStub(env, bob.id).seenLive(room.id, sent.body.seq + 1)).toBe(false);
    expect(await inboxStub(env, carol.id).seenLive(room.id, sent.body.seq)).toBe(false); // never connected
  });

  it("your read marker moving on one device reaches every device's channel, with the counts", async () => {
    const { alice, bob, room } = await roomWithMember();
    const phone = (await connectInbox(bob.token)).socket;
    const laptop = (await connectInbox(bob.token)).socket;
    const sent = await post(alice, room.id, "read me");
    await headAt(phone, room.id, sent.body.seq);
    await headAt(laptop, room.id, sent.body.seq);
    const roomSocket = (await connect(room.id, bob.token)).socket;
    roomSocket.send({ type: "read", seq: sent.body.seq });
    for (const s of [phone, laptop]) {
      expect(await s.next("room.read")).toMatchObject({
        room_id: room.id,
        read_seq: sent.body.seq,
        unread_count: 0,
      });
    }
  });

  it("counts stay exact while PostgreSQL is down, on the channel and in GET /room/rooms right after", async () => {
    const { alice, bob, room } = await roomWithMember();
    const { socket } = await connectInbox(bob.token);
    const sender = (await connect(room.id, alice.token)).socket;
    await database("down");
    try {
      for (let i = 0; i < 3; i++)
        sender.send({ type: "message.send", content: `offline ${i}`, client_id: `o${i}` });
      const acks = await sender.take(3, "ack");
      const last = acks[2]?.seq ?? 0;
      expect(await headAt(socket, room.id, last)).toMatchObject({ room_seq: last, unread_count: 3 });
      // Long enough for the copy's backoff to grow (0.5, 1, 2, 4 s): its next try is seconds away.
      await new Promise((r) => setTimeout(r, 4000));
    } finally {
      await database("up");
    }
    // The copy is backing off after the failures: PostgreSQL does not have the messages yet.
    const summary = await listed(bob, room.id);
    expect((await storedMessages(room.id)).length).toBeLessThan(3);
    expect(summary).toMatchObject({ unread_count: 3, last_message: { content: "offline 2" } });
  });

  it("a removed member's channel stops carrying the room at once", async () => {
    const { alice, bob, room } = await roomWithMember();
    const { socket } = await connectInbox(bob.token);
    const before = await post(alice, room.id, "still here");
    await headAt(socket, room.id, before.body.seq);
    await api("DELETE", `/room/${room.id}/members/${bob.id}`, { token: alice.token });
    expect(await socket.next("room.removed")).toMatchObject({ room_id: room.id });
    await post(alice, room.id, "after removal");
    expect(await socket.quiet(500)).toEqual([]);
  });

  it("a room you are invited to while connected starts sending heads at once", async () => {
    const alice = await newUser("alice");
    const bob = await newUser("bob");
    const { socket } = await connectInbox(bob.token);
    const room = await newRoom(alice, { kind: "private" });
    await api("POST", `/room/${room.id}/members`, { token: alice.token, json: { user_id: bob.id } });
    expect(await socket.next("room.invited")).toMatchObject({ room: { id: room.id } });
    const sent = await post(alice, room.id, "welcome");
    expect(await headAt(socket, room.id, sent.body.seq)).toMatchObject({ unread_count: 1 });
  });

  it("a resume after being away replays the heads that changed meanwhile", async () => {
    const { alice, bob, room } = await roomWithMember();
    const first = await connectInbox(bob.token);
    const seen = await headAt(first.socket, room.id, (await post(alice, room.id, "one")).body.seq);
    first.socket.close();
    await first.socket.waitClosed();
    await post(alice, room.id, "two");
    const last = await post(alice, room.id, "three");
    const back = await connectInbox(bob.token, { since: seen.seq, epoch: first.ready.epoch });
    expect(back.ready).toMatchObject({ recovered: true });
    const replayed = await headAt(back.socket, room.id, last.body.seq);
    expect(replayed).toMatchObject({ unread_count: 3, last_message: { id: last.body.id } });
  });
});
