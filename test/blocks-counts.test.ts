import { describe, expect, it } from "vitest";
import { api, block, listedRoom as listed, newRoom, newUser, postAs as post } from "./helpers";
import { connectInbox, headWhere } from "./inbox-socket";

describe("counts and previews leave blocked authors out", () => {
  it("unread and mention counts and the last message, in the rooms list and on the inbox channel", async () => {
    const alice = await newUser("alice");
    const bob = await newUser("bob");
    const carol = await newUser("carol");
    const room = await newRoom(carol);
    await api("POST", `/room/${room.id}/members/join`, { token: bob.token });
    await post(carol, room.id, "from carol");
    // Alice blocked Bob before she joined the (running) room, and never opens a socket there.
    await block(alice, bob);
    await api("POST", `/room/${room.id}/members/join`, { token: alice.token });
    const inbox = (await connectInbox(alice.token)).socket;
    await post(bob, room.id, `bob to @${alice.username}`);
    const last = await post(bob, room.id, `bob again @${alice.username}`);
    expect(await listed(alice, room.id)).toMatchObject({
      unread_count: 1,
      mention_count: 0,
      last_message: { content: "from carol", user_id: carol.id },
    });
    const head = await headWhere(inbox, room.id, (h) => h.room_seq >= last.body.seq);
    expect(head).toMatchObject({
      unread_count: 1,
      mention_count: 0,
      last_message: { excerpt: "from carol", user_id: carol.id },
    });
    // Carol, who blocked nobody, counts everything.
    expect(await listed(carol, room.id)).toMatchObject({
      unread_count: 2,
      last_message: { content: `bob again @${alice.username}` },
    });
  });

  it("a block pushes the blocker's head again at once, without the blocked author's messages", async () => {
    const alice = await newUser("alice");
    const bob = await newUser("bob");
    const room = await newRoom(bob);
    await api("POST", `/room/${room.id}/members/join`, { token: alice.token });
    const inbox = (await connectInbox(alice.token)).socket;
    await post(bob, room.id, `hi @${alice.username}`);
    await post(bob, room.id, "still there?");
    await headWhere(inbox, room.id, (h) => h.unread_count === 2 && h.mention_count === 1);
    await block(alice, bob);
    const after = await headWhere(inbox, room.id, (h) => h.unread_count === 0);
    expect(after).toMatchObject({ mention_count: 0, last_message: null });
    expect(await listed(alice, room.id)).toMatchObject({
      unread_count: 0,
      mention_count: 0,
      last_message: null,
    });
  });
});
