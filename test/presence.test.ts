import { describe, expect, it } from "vitest";
import { api, eventually, newRoom, newUser, type RoomSummary, storedMessages } from "./helpers";
import { connect } from "./socket";

describe("read markers and typing over the socket", () => {
  it("stores a read marker, tells all my sockets, and lowers my unread count", async () => {
    const alice = await newUser();
    const bob = await newUser();
    const room = await newRoom(alice);
    const b1 = (await connect(room.id, bob.token)).socket;
    const b2 = (await connect(room.id, bob.token)).socket;
    const a = (await connect(room.id, alice.token)).socket;
    for (const text of ["one", "two", "three"]) a.send(text);
    await a.take(3, "ack");
    await eventually(async () => expect(await storedMessages(room.id)).toHaveLength(3));
    b1.send({ type: "read", seq: 2 });
    expect(await b1.next("read")).toEqual({ type: "read", seq: 2 });
    expect(await b2.next("read")).toEqual({ type: "read", seq: 2 });
    // The room keeps the marker and copies it to PostgreSQL with its outbox (within ~50 ms).
    await eventually(async () => {
      const mine = (await api<RoomSummary[]>("GET", "/room/rooms", { token: bob.token })).body.find(
        (r) => r.id === room.id,
      );
      expect(mine?.unread_count).toBe(1);
    });
    b1.send({ type: "read", seq: -1 });
    expect(await b1.next("error")).toMatchObject({ code: "invalid_frame" });
    for (const s of [a, b1, b2]) s.close();
  });

  it("broadcasts typing to the others only, never stores it, and rate-limits it with an error frame", async () => {
    const alice = await newUser();
    const bob = await newUser();
    const room = await newRoom(alice);
    const a = (await connect(room.id, alice.token)).socket;
    const b = (await connect(room.id, bob.token)).socket;
    a.send({ type: "typing" });
    expect(await b.next("typing")).toEqual({
      type: "typing",
      user: { id: alice.id, username: alice.username },
    });
    a.send({ type: "typing" });
    a.send({ type: "typing" });
    expect(await a.next("error")).toMatchObject({ code: "rate_limited" });
    a.send("a real message");
    expect((await a.next("ack")).seq).toBe(1);
    expect(a.pending("typing")).toEqual([]);
    a.close();
    b.close();
  });
});
