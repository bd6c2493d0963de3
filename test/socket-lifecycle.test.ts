import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Bindings } from "../src/env";
import { roomStub } from "../src/room";
import { newRoom, newUser } from "./helpers";
import { connect, type FrameOf, openSocket } from "./socket";

type Presence = FrameOf<"presence">;

/** Makes the room's runtime report a socket of `userId` as failed (as a broken connection would). */
async function failSocketOf(roomId: number, userId: number) {
  await runInDurableObject(roomStub(env as unknown as Bindings, roomId), async (room, state) => {
    const [ws] = state.getWebSockets(`u:${userId}`);
    if (!ws) throw new Error("no socket to fail");
    await room.webSocketError(ws, new Error("connection reset"));
  });
}

describe("socket lifecycle", () => {
  it("a socket that fails without a clean close leaves presence and is closed 1011", async () => {
    const alice = await newUser();
    const bob = await newUser();
    const room = await newRoom(alice);
    const b = (await connect(room.id, bob.token)).socket;
    const a = (await connect(room.id, alice.token)).socket;
    await b.next("presence");
    await failSocketOf(room.id, alice.id);
    const leave = (await b.next("presence")) as Presence;
    expect([leave.event, leave.user.id, leave.online?.map((u) => u.id)]).toEqual([
      "leave",
      alice.id,
      [bob.id],
    ]);
    expect((await a.waitClosed()).code).toBe(1011);
    b.close();
  });

  it("a failed socket frees its place in the user's socket limit", async () => {
    const alice = await newUser();
    const room = await newRoom(alice);
    const open = [];
    for (let i = 0; i < 5; i++) open.push((await connect(room.id, alice.token)).socket);
    await failSocketOf(room.id, alice.id);
    const again = await openSocket(room.id, alice.token);
    expect(again.refusal).toBeNull();
    for (const s of [...open, again.socket]) s?.close();
  });

  it("a close without a code (1005) is answered with 1000, and still leaves presence", async () => {
    const alice = await newUser();
    const bob = await newUser();
    const room = await newRoom(alice);
    const b = (await connect(room.id, bob.token)).socket;
    const a = (await connect(room.id, alice.token)).socket;
    await b.next("presence");
    a.ws.close();
    expect(await b.next("presence")).toMatchObject({ event: "leave", user: { id: alice.id } });
    expect((await a.waitClosed()).code).toBe(1000);
    b.close();
  });
});
