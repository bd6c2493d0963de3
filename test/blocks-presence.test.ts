import { describe, expect, it } from "vitest";
import { api, block, newUser, postAs as post, type TestUser, threeInARoom, unblock } from "./helpers";
import { type ConnectOptions, connect, type Frame, type TestSocket } from "./socket";

const v2 = (user: TestUser): ConnectOptions => ({
  protocols: ["roomcast.v2", `bearer.${user.token}`],
  useQueryToken: false,
});
const ids = (users: Array<{ id: number }>) => users.map((u) => u.id).sort((a, b) => a - b);
const sorted = (...users: TestUser[]) => ids(users);
/** Presence frames about `user` a socket got, as `join`/`leave` (and the v1 list's ids, if any). */
const about = (frames: Frame[], user: TestUser) =>
  frames.flatMap((f) => (f.type === "presence" && f.user.id === user.id ? [f.event] : []));

/** Waits until a message of Carol's reached `s`: whatever presence came before it has arrived. */
async function settle(s: TestSocket, carol: TestUser, roomId: number, text: string) {
  await post(carol, roomId, text);
  for (;;) if ((await s.next("message")).content === text) return;
}

describe("a blocker does not see the blocked user's presence (issue 19)", () => {
  it("ready lists and presence changes leave the blocked user out, for v1 and v2 sockets; the blocked one sees all", async () => {
    const { alice, bob, carol, room } = await threeInARoom();
    await block(alice, bob);
    const b = await connect(room.id, bob.token);
    const c = await connect(room.id, carol.token, v2(carol));
    const a1 = await connect(room.id, alice.token);
    expect(ids(a1.ready.online)).toEqual(sorted(alice, carol));
    const a2 = await connect(room.id, alice.token, v2(alice));
    expect(ids(a2.ready.online)).toEqual(sorted(alice, carol));

    // Bob leaves and comes back: Carol hears both, Alice neither.
    b.socket.close();
    await b.socket.waitClosed();
    const bobAgain = await connect(room.id, bob.token);
    // The blocked user is told nothing: Alice is in his list.
    expect(ids(bobAgain.ready.online)).toEqual(sorted(alice, bob, carol));
    const dave = await newUser("dave");
    await api("POST", `/room/${room.id}/members/join`, { token: dave.token });
    const d = await connect(room.id, dave.token);
    expect(ids(d.ready.online)).toContain(bob.id);
    for (const s of [a1.socket, a2.socket, c.socket]) await settle(s, carol, room.id, "settled");
    for (const a of [a1.socket, a2.socket]) {
      expect(about(a.pending("presence"), bob)).toEqual([]);
      expect(about(a.pending("presence"), dave)).toEqual(["join"]);
    }
    // The v1 list Alice got with Dave's join leaves Bob out (he was online then).
    const list = a1.socket.pending("presence").find((f) => f.user.id === dave.id);
    expect(ids(list?.online ?? [])).toEqual(sorted(alice, carol, dave));
    expect(about(c.socket.pending("presence"), bob)).toEqual(["leave", "join"]);
  });

  it("a block and an unblock change what the blocker's open sockets see of the blocked user's presence at once", async () => {
    const { alice, bob, carol, room } = await threeInARoom();
    await connect(room.id, bob.token);
    const c = await connect(room.id, carol.token, v2(carol));
    const a1 = await connect(room.id, alice.token);
    const a2 = await connect(room.id, alice.token, v2(alice));
    expect(ids(a1.ready.online)).toContain(bob.id);
    await block(alice, bob);
    const left = await a2.socket.next("presence");
    expect(left).toMatchObject({ event: "leave", user: { id: bob.id } });
    const leftV1 = await a1.socket.next("presence");
    expect(leftV1).toMatchObject({ event: "leave", user: { id: bob.id } });
    expect(leftV1.type === "presence" && ids(leftV1.online ?? [])).toEqual(sorted(alice, carol));
    await unblock(alice, bob);
    expect(await a2.socket.next("presence")).toMatchObject({ event: "join", user: { id: bob.id } });
    const backV1 = await a1.socket.next("presence");
    expect(backV1.type === "presence" && ids(backV1.online ?? [])).toEqual(sorted(alice, bob, carol));
    // Carol, who blocked nobody, heard nothing of it.
    await settle(c.socket, carol, room.id, "quiet");
    expect(about(c.socket.pending("presence"), bob)).toEqual([]);
  });
});
