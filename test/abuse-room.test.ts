import { describe, expect, it } from "vitest";
import { BATCH_MAX_CHARS } from "../src/room/socket/outgoing";
import { api, eventually, newRoom, newUser, storedMessages } from "./helpers";
import { connect } from "./socket";

// Issue 18, items inside the room: what one socket can make the room hold or build.

describe("batches are bounded in size", () => {
  it("a batched replay of large messages arrives as several frames of at most 64 KiB, in order", async () => {
    const alice = await newUser();
    const bob = await newUser();
    const room = await newRoom(alice);
    await api("POST", `/room/${room.id}/members/join`, { token: bob.token });
    const big = (i: number) => `${String(i).padStart(4, "0")} ${"x".repeat(3990)}`;
    // 40 messages of 4,000 characters: about 170 KB of replay (two users: within each one's burst).
    for (let i = 0; i < 40; i++) {
      const token = i % 2 === 0 ? alice.token : bob.token;
      const res = await api("POST", `/message/rooms/${room.id}/messages`, { token, json: { content: big(i) } });
      expect(res.status).toBe(201);
    }
    await eventually(async () => expect((await storedMessages(room.id)).length).toBe(40));
    const { socket } = await connect(room.id, alice.token, { batch: true, since: 0 });
    await eventually(() => expect(socket.frames.filter((f) => f.type === "message")).toHaveLength(40));
    const sizes = socket.received.map((f) => JSON.stringify(f).length);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(BATCH_MAX_CHARS);
    expect(socket.received.filter(Array.isArray).length).toBeGreaterThan(1);
    const contents = socket.frames.flatMap((f) => (f.type === "message" ? [f.content] : []));
    expect(contents).toEqual(Array.from({ length: 40 }, (_, i) => big(i)));
    socket.close();
  });
});
