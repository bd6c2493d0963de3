import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Courier } from "../src/courier/courier";
import { QuietMembers } from "../src/courier/quiet";
import { courierStub } from "../src/courier/stub";
import type { Bindings } from "../src/env";
import { roomStub } from "../src/room";
import { hook, recordingNotices } from "./courier";
import { awayUser, type DeviceState, pushesSettled, quietPeriod } from "./fakes";
import { api, eventually, newRoom, newUser, postAs, storedMessages, type TestUser } from "./helpers";
import { connect } from "./socket";

/**
 * A copy whose events every member saw live, in a room without webhook cursors, is decided by the
 * courier at once, without PostgreSQL or an alarm (src/courier/courier.ts, `settledHere`). These
 * tests hold what that must never cost: a push to a member who was away, a webhook delivery.
 */
const bindings = env as unknown as Bindings;
const join = (who: TestUser, roomId: number) =>
  api("POST", `/room/${roomId}/members/join`, { token: who.token });
const pushSeqs = (s: DeviceState) => s.received.map((r) => (r.payload as { seq: number }).seq);

/** The courier's state: its push cursor, its head and its pending alarm. */
const courierState = (roomId: number) =>
  runInDurableObject(courierStub(bindings, roomId), async (_c, state) => {
    const meta = (key: string) =>
      state.storage.sql.exec<{ value: number }>("SELECT value FROM meta WHERE key = ?", key).toArray()[0]
        ?.value ?? null;
    return { pushSeq: meta("push_seq"), head: meta("head"), alarm: await state.storage.getAlarm() };
  });

const socketsIn = (roomId: number) =>
  runInDurableObject(roomStub(bindings, roomId), async (_r, state) => state.getWebSockets().length);

const nobody = { users: [], mentioned: [] };
const freshRoomId = () => 900_000_000 + Math.floor(Math.random() * 1_000_000);
/** Runs `use` in a new courier, with `quiet` known quiet since `readAt`. */
const inCourier = (
  use: (c: Courier, s: DurableObjectState, roomId: number) => Promise<void>,
  quiet: number[] = [],
  readAt = Date.now(),
) => {
  const roomId = freshRoomId();
  return runInDurableObject(courierStub(bindings, roomId), async (c, s) => {
    new QuietMembers(s.storage.sql).replace(quiet, readAt, 0);
    await use(c, s, roomId);
  });
};

describe("the courier's rule: decided without PostgreSQL only when nobody can be pushed and no endpoint waits", () => {
  it("sets no alarm when everyone was live or the away are quiet and unmentioned; one otherwise", () =>
    inCourier(
      async (courier, state, roomId) => {
        await courier.sequenced(roomId, 1, 3, [1, 2], nobody);
        expect(await state.storage.getAlarm()).toBeNull();
        await courier.sequenced(roomId, 4, 5, [1], { users: [9], mentioned: [3] });
        expect(await state.storage.getAlarm()).toBeNull();
        await courier.sequenced(roomId, 6, 6, [1], { users: [9], mentioned: [9] }); // 9 may be pushed
        expect(await state.storage.getAlarm()).not.toBeNull();
        await state.storage.deleteAlarm();
        // Nobody away now, but 6 is not decided yet: the run decides all of it.
        await courier.sequenced(roomId, 7, 7, [1, 2, 9], nobody);
        expect(await state.storage.getAlarm()).not.toBeNull();
      },
      [9],
    ));

  it.each([
    ["a member it knows nothing of", [], Date.now(), { users: [8], mentioned: [] }],
    ["a level read over a minute ago", [8], Date.now() - 61_000, { users: [8], mentioned: [] }],
    ["a room that did not say who was away", [8], Date.now(), undefined],
  ])("asks PostgreSQL about %s", (_what, quiet, readAt, away) =>
    inCourier(
      async (courier, state, roomId) => {
        await courier.sequenced(roomId, 1, 2, [1], away);
        expect(await state.storage.getAlarm()).not.toBeNull();
      },
      quiet,
      readAt,
    ),
  );

  it("asks PostgreSQL once a member's level changed, even if a decision read the old one", () =>
    inCourier(
      async (courier, state, roomId) => {
        const quiet = new QuietMembers(state.storage.sql);
        const gen = quiet.generation; // a decision starts reading PostgreSQL…
        await courier.levelChanged(8);
        quiet.replace([8], Date.now(), gen); // …and ends after the change: not written back
        await courier.sequenced(roomId, 1, 2, [1], { users: [8], mentioned: [] });
        expect(await state.storage.getAlarm()).not.toBeNull();
      },
      [8],
    ));

  it("lets the run decide a range that does not follow the last one (a notice was lost)", () =>
    inCourier(async (courier, state, roomId) => {
      await courier.sequenced(roomId, 1, 3, [1], nobody);
      await courier.sequenced(roomId, 9, 10, [1], nobody); // 4..8 were never told
      expect(await state.storage.getAlarm()).not.toBeNull();
    }));
});

describe("pushes when the courier decides without PostgreSQL", () => {
  it("pushes a member who left after everyone had been connected, for what they missed only", async () => {
    const alice = await newUser("alice");
    const bob = await awayUser("bob");
    const room = await newRoom(alice);
    await join(bob.user, room.id);
    const a = await connect(room.id, alice.token);
    const b = await connect(room.id, bob.user.token);
    const missed = await recordingNotices(room.id, async (notices) => {
      const seen = (await postAs(alice, room.id, `@${bob.user.username} you are here`)).body;
      // The room said nobody was away: the courier decided it by itself (the rule's test above).
      await eventually(() => expect(notices.at(-1)).toMatchObject({ headSeq: seen.seq, away: [] }));
      await eventually(async () =>
        expect(await courierState(room.id)).toEqual({ pushSeq: seen.seq, head: seen.seq, alarm: null }),
      );
      b.socket.ws.close();
      await eventually(async () => expect(await socketsIn(room.id)).toBe(1));
      const sent = (await postAs(alice, room.id, `@${bob.user.username} you left`)).body;
      await eventually(() =>
        expect(notices.at(-1)).toMatchObject({ headSeq: sent.seq, away: [bob.user.id] }),
      );
      return sent;
    });
    const state = await eventually(async () => {
      const s = await bob.device.state();
      expect(s.received).toHaveLength(1);
      return s;
    }, 10_000);
    expect(pushSeqs(state)).toEqual([missed.seq]);
    await pushesSettled(room.id, missed.seq, [bob.user.id]);
    expect(pushSeqs(await bob.device.state())).toEqual([missed.seq]);
    a.socket.ws.close();
  });

  it("pushes the one member who is away while every other member is connected", async () => {
    const alice = await newUser("alice");
    const bob = await awayUser("bob");
    const carol = await awayUser("carol");
    const room = await newRoom(alice);
    await join(bob.user, room.id);
    await join(carol.user, room.id);
    const a = await connect(room.id, alice.token);
    const b = await connect(room.id, bob.user.token);
    const sent = (await postAs(alice, room.id, `@${bob.user.username} @${carol.user.username} both`)).body;
    const state = await eventually(async () => {
      const s = await carol.device.state();
      expect(s.received).toHaveLength(1);
      return s;
    }, 10_000);
    expect(pushSeqs(state)).toEqual([sent.seq]);
    await pushesSettled(room.id, sent.seq, [bob.user.id]);
    expect((await bob.device.state()).attempts).toBe(0);
    a.socket.ws.close();
    b.socket.ws.close();
  });
});

describe("pushes when the away members are quiet", () => {
  /** A room of Alice (connected) and Bob (away, a device), where the courier learnt Bob's level. */
  async function withQuietBob() {
    const alice = await newUser("alice");
    const bob = await awayUser("bob");
    const room = await newRoom(alice);
    await join(bob.user, room.id);
    const a = await connect(room.id, alice.token);
    const first = (await postAs(alice, room.id, "hello")).body; // the courier asks PostgreSQL
    await eventually(async () =>
      expect(await courierState(room.id)).toEqual({ pushSeq: first.seq, head: first.seq, alarm: null }),
    );
    return { alice, bob, room, close: () => a.socket.ws.close() };
  }

  it("pushes a quiet member who was left alone, once a message mentions them", async () => {
    const { alice, bob, room, close } = await withQuietBob();
    const mention = await recordingNotices(room.id, async (notices) => {
      const quiet = (await postAs(alice, room.id, "nothing for bob")).body;
      await eventually(() =>
        expect(notices.at(-1)).toMatchObject({ headSeq: quiet.seq, away: [bob.user.id] }),
      );
      // Decided by the courier itself (its rule's tests above): no run pending.
      expect((await courierState(room.id)).alarm).toBeNull();
      return (await postAs(alice, room.id, `@${bob.user.username} now you`)).body;
    });
    const state = await eventually(async () => {
      const s = await bob.device.state();
      expect(s.received).toHaveLength(1);
      return s;
    }, 10_000);
    expect(pushSeqs(state)).toEqual([mention.seq]);
    close();
  });

  it("pushes every message to a member who chose 'all' after the courier learnt their old level", async () => {
    const { alice, bob, room, close } = await withQuietBob();
    const put = await api("PUT", `/room/${room.id}/notifications`, {
      token: bob.user.token,
      json: { level: "all" },
    });
    expect(put.status).toBe(200);
    const sent = (await postAs(alice, room.id, "no mention, level all")).body;
    const state = await eventually(async () => {
      const s = await bob.device.state();
      expect(s.received).toHaveLength(1);
      return s;
    }, 10_000);
    expect(pushSeqs(state)).toEqual([sent.seq]);
    close();
  });
});

describe("webhooks when every member is connected", () => {
  it("still delivers every event, in order, exactly once", async () => {
    const alice = await newUser("alice");
    const room = await newRoom(alice);
    const receiver = await hook(alice, room.id);
    const a = await connect(room.id, alice.token);
    const sent: number[] = [];
    await recordingNotices(room.id, async (notices) => {
      for (let i = 1; i <= 4; i++) sent.push((await postAs(alice, room.id, `w${i}`)).body.seq);
      // Nobody was away: only the endpoint's cursor sends the courier to PostgreSQL.
      await eventually(() => expect(notices.at(-1)).toMatchObject({ headSeq: sent.at(-1), away: [] }));
    });
    const state = await eventually(async () => {
      const s = await receiver.state();
      expect(s.accepted).toHaveLength(4);
      return s;
    }, 15_000);
    expect(state.accepted.map((x) => x.seq)).toEqual(sent);
    expect(state).toMatchObject({ outOfOrder: 0, duplicates: 0, badSignatures: 0 });
    a.socket.ws.close();
  });

  it("gives an endpoint added meanwhile what follows its creation, nothing before", async () => {
    const alice = await newUser("alice");
    const room = await newRoom(alice);
    const a = await connect(room.id, alice.token);
    const before = (await postAs(alice, room.id, "before")).body;
    await eventually(async () => expect((await courierState(room.id)).head).toBe(before.seq));
    expect((await storedMessages(room.id)).map((m) => m.content)).toEqual(["before"]);
    const receiver = await hook(alice, room.id);
    await postAs(alice, room.id, "after 1");
    await postAs(alice, room.id, "after 2");
    await eventually(async () => {
      const s = await receiver.state();
      expect(s.accepted.map((x) => x.data.content)).toEqual(["after 1", "after 2"]);
    }, 15_000);
    await quietPeriod();
    expect((await receiver.state()).accepted).toHaveLength(2);
    a.socket.ws.close();
  });
});
