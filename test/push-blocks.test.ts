import { describe, expect, it } from "vitest";
import { newDevice } from "./fakes";
import { api, eventually, newRoom, newUser, type TestUser } from "./helpers";

/** A user with one registered device at the loopback push service (no socket open: away). */
async function awayUser(prefix: string) {
  const user = await newUser(prefix);
  const device = await newDevice();
  const res = await api("POST", "/push/subscriptions", { token: user.token, json: device.subscription });
  expect(res.status).toBe(201);
  return { user, device };
}

const post = async (who: TestUser, roomId: number, content: string) =>
  (
    await api<{ seq: number }>("POST", `/message/rooms/${roomId}/messages`, {
      token: who.token,
      json: { content },
    })
  ).body;

/** Waits long enough for a push that should not come: the delay, the copy, and a margin. */
const quietPeriod = () => new Promise((r) => setTimeout(r, 3500));

describe("Web Push respects blocks (issue 21)", () => {
  it("the blocker gets no push for the blocked author's message; another member does", async () => {
    const owner = await newUser("owner");
    const troll = await newUser("troll");
    const alice = await awayUser("alice");
    const carol = await awayUser("carol");
    const room = await newRoom(owner);
    for (const u of [troll, alice.user, carol.user])
      await api("POST", `/room/${room.id}/members/join`, { token: u.token });
    expect((await api("PUT", `/user/blocks/${troll.id}`, { token: alice.user.token })).status).toBe(204);
    const sent = await post(troll, room.id, `@${alice.user.username} @${carol.user.username} hey`);
    const state = await eventually(async () => {
      const s = await carol.device.state();
      expect(s.received).toHaveLength(1);
      return s;
    }, 10_000);
    expect(state.received[0]?.payload).toMatchObject({
      seq: sent.seq,
      author: { id: troll.id },
      reason: "mention",
    });
    // Alone, so that no newer push of the same Topic could replace it.
    await quietPeriod();
    expect((await alice.device.state()).attempts).toBe(0);
    // Anyone else's mention of Alice reaches her as usual.
    const after = await post(owner, room.id, `@${alice.user.username} welcome`);
    const mine = await eventually(async () => {
      const s = await alice.device.state();
      expect(s.received).toHaveLength(1);
      return s;
    }, 10_000);
    expect(mine.received[0]?.payload).toMatchObject({ seq: after.seq, author: { id: owner.id } });
  });
});
