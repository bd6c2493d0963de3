import { describe, expect, it } from "vitest";
import {
  api,
  block,
  eventually,
  listedRoom as listed,
  newRoom,
  newUser,
  postAs as post,
  storedMessages,
} from "./helpers";
import { connectInbox, headWhere } from "./inbox-socket";

describe("a blocker's preview older than the room's cache comes from PostgreSQL", () => {
  it("a pushed head shows the last message the blocker may see, not null", async () => {
    const alice = await newUser("alice");
    const bob = await newUser("bob");
    const carol = await newUser("carol");
    const room = await newRoom(carol);
    for (const u of [alice, bob]) await api("POST", `/room/${room.id}/members/join`, { token: u.token });
    await block(alice, bob);
    await post(carol, room.id, "from carol");
    // More of Bob's messages than the room's cache holds (5 events in tests), all in PostgreSQL.
    for (let i = 0; i < 6; i++) await post(bob, room.id, `bob ${i}`);
    await eventually(async () => expect(await storedMessages(room.id)).toHaveLength(7));
    const inbox = (await connectInbox(alice.token)).socket;
    const last = await post(bob, room.id, "bob again");
    // The head may first leave the preview out while PostgreSQL is asked; then it has it.
    const pushed = await headWhere(
      inbox,
      room.id,
      (h) => h.room_seq >= last.body.seq && h.last_message !== null,
    );
    expect(pushed).toMatchObject({
      unread_count: 1,
      last_message: { excerpt: "from carol", user_id: carol.id },
    });
    // The REST list agrees (PostgreSQL's filtered last message).
    expect((await listed(alice, room.id))?.last_message).toMatchObject({ content: "from carol" });
  });

  it("a block pushes the blocker's head with their last visible message, even when PostgreSQL alone has it", async () => {
    const alice = await newUser("alice");
    const bob = await newUser("bob");
    const carol = await newUser("carol");
    const room = await newRoom(carol);
    for (const u of [alice, bob]) await api("POST", `/room/${room.id}/members/join`, { token: u.token });
    await post(carol, room.id, "carol first");
    const inbox = (await connectInbox(alice.token)).socket;
    for (let i = 0; i < 6; i++) await post(bob, room.id, `bob ${i}`);
    await eventually(async () => expect(await storedMessages(room.id)).toHaveLength(7));
    await headWhere(inbox, room.id, (h) => h.last_message?.excerpt === "bob 5");
    await block(alice, bob);
    const after = await headWhere(inbox, room.id, (h) => h.last_message?.user_id === carol.id);
    expect(after.last_message).toMatchObject({ excerpt: "carol first", user_id: carol.id });
    // An edit of that message (older than the cache) shows in the next head.
    const [first] = (await storedMessages(room.id)).filter((m) => m.userId === carol.id);
    await api("PATCH", `/message/rooms/${room.id}/messages/${first?.id}`, {
      token: carol.token,
      json: { content: "carol, edited" },
    });
    const edited = await headWhere(inbox, room.id, (h) => h.last_message?.excerpt === "carol, edited");
    expect(edited.last_message).toMatchObject({ user_id: carol.id });
  });
});
