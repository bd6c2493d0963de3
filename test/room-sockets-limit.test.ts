import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Bindings } from "../src/env";
import { loadConfig } from "../src/env";
import { inboxStub } from "../src/inbox/notify";
import { eventually, newRoom, newUser } from "./helpers";
import { connect, openSocket, type TestSocket } from "./socket";

const bindings = env as unknown as Bindings;
const max = loadConfig(bindings).WS_MAX_SOCKETS_ACROSS_ROOMS;

describe("room sockets per user across all rooms (WS_MAX_SOCKETS_ACROSS_ROOMS)", () => {
  it("refuses the socket past the limit with 4429 too_many_room_sockets; closing one frees a place", async () => {
    const alice = await newUser();
    const perRoom = 4;
    const rooms = await Promise.all(
      Array.from({ length: Math.ceil(max / perRoom) + 1 }, () => newRoom(alice)),
    );
    const open: TestSocket[] = [];
    for (let i = 0; i < max; i++) {
      const room = rooms[Math.floor(i / perRoom)];
      if (!room) throw new Error("not enough rooms");
      open.push((await connect(room.id, alice.token)).socket);
    }
    const spare = rooms.at(-1);
    if (!spare) throw new Error("no spare room");
    const refused = await openSocket(spare.id, alice.token);
    expect(refused.refusal).toEqual({ code: 4429, reason: "too_many_room_sockets" });
    // Someone else is not affected by alice's sockets.
    const bob = await newUser();
    expect((await connect(spare.id, bob.token)).ready.type).toBe("ready");

    open.shift()?.close();
    await eventually(async () => {
      const { socket, refusal } = await openSocket(spare.id, alice.token);
      expect(refusal).toBeNull();
      expect(socket).not.toBeNull();
    });
    expect((await openSocket(spare.id, alice.token)).refusal).toMatchObject({
      reason: "too_many_room_sockets",
    });
  }, 60_000);

  it("counts left behind by a room that no longer holds the sockets (a crash) are reconciled", async () => {
    const alice = await newUser();
    const room = await newRoom(alice);
    // A room that died without reporting: the inbox believes it holds every one of alice's places.
    const inbox = inboxStub(bindings, alice.id);
    const ghostRoom = 2_000_000_000 - alice.id;
    for (let i = 0; i < max; i++) expect(await inbox.claimRoomSocket(ghostRoom, alice.id)).toBe(true);
    // The next connect asks the rooms for the truth (the ghost holds none) and is let in.
    const { socket } = await connect(room.id, alice.token);
    expect(socket.closed).toBeNull();
  });
});
