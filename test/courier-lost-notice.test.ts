import { evictDurableObject, runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Bindings } from "../src/env";
import { roomStub } from "../src/room";
import { losingNotices } from "./courier";
import { awayUser, pushesSettled } from "./fakes";
import { api, eventually, newRoom, newUser, postAs } from "./helpers";

const bindings = env as unknown as Bindings;

/** A room with Alice and Bob (away, one device) whose mention of Bob reached PostgreSQL while its notice was lost. */
async function mentionWithLostNotice(how: "throw" | "drop") {
  const alice = await newUser("alice");
  const bob = await awayUser("bob");
  const room = await newRoom(alice);
  // The courier has heard from the room before (a courier that never did starts after the head).
  const first = await postAs(alice, room.id, "before Bob");
  await pushesSettled(room.id, first.body.seq, []);
  await api("POST", `/room/${room.id}/members/join`, { token: bob.user.token });
  const notices = await losingNotices(room.id, how);
  try {
    const res = await postAs(alice, room.id, `@${bob.user.username} are you there?`);
    expect(res.status).toBe(201);
    // The copy reached PostgreSQL and its notice went nowhere.
    await eventually(async () => expect(notices.lost()).toBeGreaterThan(0));
    expect((await bob.device.state()).received).toHaveLength(0);
    return { room, bob, seq: res.body.seq };
  } finally {
    notices.undo();
  }
}

/** The seq of the one push Bob's device receives (waits for it). */
async function onePush(bob: Awaited<ReturnType<typeof awayUser>>) {
  const received = await eventually(async () => {
    const r = (await bob.device.state()).received;
    expect(r).toHaveLength(1);
    return r;
  }, 15_000);
  return received[0]?.payload.seq;
}

/**
 * A notice is not kept (room/outbox/courier-notice.ts): a room that copies nothing after a lost
 * one reminds its courier on a wake with nothing to copy, so the push of its last message still
 * comes instead of waiting for the room's next event.
 */
describe("a lost courier notice in a room that goes quiet", () => {
  it("is told again soon after its call failed", async () => {
    const { bob, seq } = await mentionWithLostNotice("throw");
    // Nothing else happens in the room: the reminder's wake alone brings the push.
    expect(await onePush(bob)).toBe(seq);
  }, 25_000);

  it("is told again by a new object when the last one died before telling", async () => {
    const { room, bob, seq } = await mentionWithLostNotice("drop");
    // The object that copied is gone; what wakes the next is the alarm the copy left (the backstop).
    const stub = roomStub(bindings, room.id);
    await evictDurableObject(stub);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await onePush(bob)).toBe(seq);
  }, 25_000);

  it("is covered by the next notice when it was the room's first", async () => {
    const alice = await newUser("alice");
    const bob = await awayUser("bob");
    const room = await newRoom(alice);
    await api("POST", `/room/${room.id}/members/join`, { token: bob.user.token });
    const notices = await losingNotices(room.id, "throw");
    let first: number;
    try {
      first = (await postAs(alice, room.id, `@${bob.user.username} one`)).body.seq;
      await eventually(async () => expect(notices.lost()).toBeGreaterThan(0));
    } finally {
      notices.undo();
    }
    // The next message's copy comes before the reminder: its notice must cover the lost range.
    // Bob's own message (no push for him), so the one push he gets is the lost one's.
    const second = await postAs(bob.user, room.id, "back now");
    expect(second.status).toBe(201);
    expect(await onePush(bob)).toBe(first);
  }, 25_000);
});
