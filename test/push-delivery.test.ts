import { describe, expect, it } from "vitest";
import { awayUser, type DeviceState, pushesSettled } from "./fakes";
import { api, eventually, newRoom, newUser, type TestUser } from "./helpers";
import { connect } from "./socket";

type Sent = { id: string; seq: number };
type Push = {
  type: string;
  room_id: number;
  seq: number;
  message_id: string;
  author: { id: number; username: string };
  preview: string;
  reason: string;
};

const post = async (who: TestUser, roomId: number, content: string) =>
  (await api<Sent>("POST", `/message/rooms/${roomId}/messages`, { token: who.token, json: { content } }))
    .body;

const join = (who: TestUser, roomId: number) =>
  api("POST", `/room/${roomId}/members/join`, { token: who.token });

const pushes = (s: DeviceState) => s.received.map((r) => r.payload as unknown as Push);

describe("Web Push delivery", () => {
  it("pushes a mention, encrypted for the device and signed with VAPID, to the mentioned user only", async () => {
    const alice = await newUser("alice");
    const bob = await awayUser("bob");
    const carol = await awayUser("carol");
    const room = await newRoom(alice);
    await join(bob.user, room.id);
    await join(carol.user, room.id);
    const sent = await post(alice, room.id, `hello @${bob.user.username}, see this`);
    const state = await eventually(async () => {
      const s = await bob.device.state();
      expect(s.received).toHaveLength(1);
      return s;
    }, 10_000);
    expect(state.errors).toEqual([]);
    expect(pushes(state)[0]).toMatchObject({
      type: "message",
      room_id: room.id,
      seq: sent.seq,
      message_id: sent.id,
      author: { id: alice.id, username: alice.username },
      preview: `hello @${bob.user.username}, see this`,
      reason: "mention",
    });
    expect(state.received[0]).toMatchObject({ urgency: "high", ttl: "86400" });
    expect(state.received[0]?.topic).toMatch(/^[\w-]{32}$/);
    await pushesSettled(room.id, sent.seq, [carol.user.id]);
    expect((await carol.device.state()).attempts).toBe(0);
  });

  it("pushes nothing for a shadow-banned author's mention, and the next author's mention as usual", async () => {
    const owner = await newUser("owner");
    const troll = await newUser("troll");
    const bob = await awayUser("bob");
    const room = await newRoom(owner);
    await join(troll, room.id);
    await join(bob.user, room.id);
    const ban = await api("PUT", `/room/${room.id}/moderation/shadow-bans/${troll.id}`, {
      token: owner.token,
    });
    expect(ban.status).toBe(200);
    const ghost = await post(troll, room.id, `@${bob.user.username} look at me`);
    // Settled first, so that no newer push of the same Topic could replace it.
    await pushesSettled(room.id, ghost.seq, [bob.user.id]);
    expect((await bob.device.state()).attempts).toBe(0);
    const after = await post(owner, room.id, `@${bob.user.username} welcome`);
    const state = await eventually(async () => {
      const s = await bob.device.state();
      expect(s.received).toHaveLength(1);
      return s;
    }, 10_000);
    expect(pushes(state).map((p) => p.seq)).toEqual([after.seq]);
    expect(state.errors).toEqual([]);
  });

  it("pushes every DM by default, and nothing to the author or a user connected live", async () => {
    const alice = await awayUser("alice");
    const bob = await awayUser("bob");
    const dm = (await api<{ id: number }>("POST", `/dm/${bob.user.id}`, { token: alice.user.token })).body;
    const { socket } = await connect(dm.id, alice.user.token);
    await post(alice.user, dm.id, "just text");
    const state = await eventually(async () => {
      const s = await bob.device.state();
      expect(s.received).toHaveLength(1);
      return s;
    }, 10_000);
    expect(pushes(state)[0]?.reason).toBe("direct");
    // Bob answers while Alice's socket is open: she saw it live.
    const answer = await post(bob.user, dm.id, "answer");
    await pushesSettled(dm.id, answer.seq, [alice.user.id]);
    expect((await alice.device.state()).attempts).toBe(0);
    socket.ws.close();
  });

  it("follows the room's settings: nothing, mute until, and all", async () => {
    const alice = await newUser("alice");
    const bob = await awayUser("bob");
    const room = await newRoom(alice);
    await join(bob.user, room.id);
    const settings = (json: unknown) =>
      api("PUT", `/room/${room.id}/notifications`, { token: bob.user.token, json });
    await settings({ level: "nothing" });
    await post(alice, room.id, `@${bob.user.username} one`);
    await settings({ level: "mentions", muted_until: new Date(Date.now() + 3_600_000).toISOString() });
    const two = await post(alice, room.id, `@${bob.user.username} two`);
    await pushesSettled(room.id, two.seq, [bob.user.id]);
    expect((await bob.device.state()).attempts).toBe(0);
    await settings({ level: "all" });
    await post(alice, room.id, "three, no mention");
    const state = await eventually(async () => {
      const s = await bob.device.state();
      expect(s.received).toHaveLength(1);
      return s;
    }, 10_000);
    expect(pushes(state)[0]).toMatchObject({ preview: "three, no mention", reason: "all" });
    expect(state.received[0]?.urgency).toBe("normal");
  });

  it("drops a pending push when the user reads the room elsewhere first", async () => {
    const alice = await newUser("alice");
    const bob = await awayUser("bob");
    const room = await newRoom(alice);
    await join(bob.user, room.id);
    const sent = await post(alice, room.id, `@${bob.user.username} read me`);
    const read = await api("POST", `/room/${room.id}/read`, {
      token: bob.user.token,
      json: { seq: sent.seq },
    });
    expect(read.status).toBe(200);
    await pushesSettled(room.id, sent.seq, [bob.user.id]);
    expect((await bob.device.state()).attempts).toBe(0);
  });

  it("replaces a pending push by a newer one of the same conversation (one Topic per room)", async () => {
    const alice = await newUser("alice");
    const bob = await awayUser("bob");
    const room = await newRoom(alice);
    const other = await newRoom(alice);
    await join(bob.user, room.id);
    await join(bob.user, other.id);
    await post(alice, room.id, `@${bob.user.username} first`);
    const second = await post(alice, room.id, `@${bob.user.username} second`);
    const elsewhere = await post(alice, other.id, `@${bob.user.username} elsewhere`);
    const state = await eventually(async () => {
      const s = await bob.device.state();
      expect(s.received).toHaveLength(2);
      return s;
    }, 10_000);
    await pushesSettled(room.id, second.seq, [bob.user.id]);
    await pushesSettled(other.id, elsewhere.seq, [bob.user.id]);
    const got = await bob.device.state();
    expect(got.received).toHaveLength(2);
    const byRoom = new Map(got.received.map((r) => [(r.payload as unknown as Push).room_id, r]));
    expect(byRoom.get(room.id)?.payload.preview).toBe(`@${bob.user.username} second`);
    expect(byRoom.get(room.id)?.topic).not.toBe(byRoom.get(other.id)?.topic);
    expect(state.errors).toEqual([]);
  });

  it("forgets a subscription the push service says is gone (410), and retries 429/5xx", async () => {
    const alice = await newUser("alice");
    const bob = await awayUser("bob");
    const room = await newRoom(alice);
    await join(bob.user, room.id);
    await bob.device.answer(500, 429);
    await post(alice, room.id, `@${bob.user.username} retried`);
    const state = await eventually(async () => {
      const s = await bob.device.state();
      expect(s.received).toHaveLength(1);
      return s;
    }, 15_000);
    expect(state.attempts).toBe(3);
    await bob.device.answer(410);
    await post(alice, room.id, `@${bob.user.username} gone`);
    await eventually(async () => {
      const subs = await api<unknown[]>("GET", "/push/subscriptions", { token: bob.user.token });
      expect(subs.body).toEqual([]);
    }, 10_000);
  });
});
