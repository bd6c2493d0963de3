import { describe, expect, it } from "vitest";
import { awayUser, pushesSettled } from "./fakes";
import { api, eventually, newRoom, newUser, type TestUser } from "./helpers";

const post = async (who: TestUser, roomId: number, content: string) =>
  (
    await api<{ seq: number }>("POST", `/message/rooms/${roomId}/messages`, {
      token: who.token,
      json: { content },
    })
  ).body;

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
    // Settled first, so that no newer push of the same Topic could replace it.
    await pushesSettled(room.id, sent.seq, [alice.user.id]);
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
