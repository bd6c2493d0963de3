import { describe, expect, it } from "vitest";
import {
  api,
  expectError,
  type Member,
  newAdmin,
  newRoom,
  newUser,
  type ReadMarker,
  type Room,
  type RoomSummary,
} from "./helpers";
import { connect, openSocket } from "./socket";

const members = async (roomId: number, token: string) =>
  (await api<Member[]>("GET", `/room/${roomId}/members`, { token })).body.map(
    (m) => [m.user_id, m.role] as const,
  );

describe("membership", () => {
  it("lists the owner first, then admins and members", async () => {
    const owner = await newUser();
    const bob = await newUser();
    const carol = await newUser();
    const room = await newRoom(owner);
    await api("POST", `/room/${room.id}/members/join`, { token: bob.token });
    await api("POST", `/room/${room.id}/members`, {
      token: owner.token,
      json: { user_id: carol.id, role: "admin" },
    });
    expect(await members(room.id, bob.token)).toEqual([
      [owner.id, "owner"],
      [carol.id, "admin"],
      [bob.id, "member"],
    ]);
  });

  it("joins a public room idempotently, but not a private or a direct one", async () => {
    const owner = await newUser();
    const bob = await newUser();
    const pub = await newRoom(owner);
    const priv = await newRoom(owner, { kind: "private" });
    expect((await api("POST", `/room/${pub.id}/members/join`, { token: bob.token })).status).toBe(201);
    expect((await api("POST", `/room/${pub.id}/members/join`, { token: bob.token })).status).toBe(200);
    expectError(await api("POST", `/room/${priv.id}/members/join`, { token: bob.token }), 404, "not_found");
    const dm = (await api<Room>("POST", `/dm/${owner.id}`, { token: bob.token })).body;
    expectError(await api("POST", `/room/${dm.id}/members/join`, { token: bob.token }), 403, "direct_room");
  });

  it("makes posting or connecting in a public room a membership", async () => {
    const owner = await newUser();
    const bob = await newUser();
    const carol = await newUser();
    const room = await newRoom(owner);
    await api("POST", `/message/rooms/${room.id}/messages`, { token: bob.token, json: { content: "hi" } });
    const { socket } = await connect(room.id, carol.token);
    socket.close();
    expect((await members(room.id, owner.token)).map(([id]) => id).sort()).toEqual(
      [owner.id, bob.id, carol.id].sort(),
    );
    const rooms = await api<RoomSummary[]>("GET", "/room/rooms", { token: bob.token });
    expect(rooms.body.find((r) => r.id === room.id)?.my_role).toBe("member");
  });

  it("lets only the owner grant roles, and never changes the owner", async () => {
    const owner = await newUser();
    const admin = await newUser();
    const bob = await newUser();
    const room = await newRoom(owner);
    await api("POST", `/room/${room.id}/members`, {
      token: owner.token,
      json: { user_id: admin.id, role: "admin" },
    });
    await api("POST", `/room/${room.id}/members`, { token: admin.token, json: { user_id: bob.id } });
    const url = `/room/${room.id}/members/${bob.id}`;
    expectError(await api("PATCH", url, { token: admin.token, json: { role: "admin" } }), 403, "forbidden");
    expect((await api<Member>("PATCH", url, { token: owner.token, json: { role: "admin" } })).body.role).toBe(
      "admin",
    );
    expectError(
      await api("PATCH", `/room/${room.id}/members/${owner.id}`, {
        token: owner.token,
        json: { role: "member" },
      }),
      409,
      "owner_protected",
    );
    expectError(
      await api("POST", `/room/${room.id}/members`, {
        token: admin.token,
        json: { user_id: (await newUser()).id, role: "admin" },
      }),
      403,
      "forbidden",
    );
  });

  it("removes a member: their sockets close with 4403 and their REST calls are refused at once", async () => {
    const owner = await newUser();
    const bob = await newUser();
    const room = await newRoom(owner, { kind: "private" });
    await api("POST", `/room/${room.id}/members`, { token: owner.token, json: { user_id: bob.id } });
    const { socket } = await connect(room.id, bob.token);
    expect((await api("DELETE", `/room/${room.id}/members/${bob.id}`, { token: owner.token })).status).toBe(
      204,
    );
    expect((await socket.waitClosed()).code).toBe(4403);
    expectError(
      await api("GET", `/message/rooms/${room.id}/messages`, { token: bob.token }),
      404,
      "not_found",
    );
    expectError(
      await api("POST", `/message/rooms/${room.id}/messages`, { token: bob.token, json: { content: "x" } }),
      404,
      "not_found",
    );
    expect((await openSocket(room.id, bob.token)).refusal?.code).toBe(4404);
  });

  it("never removes or bans the owner, and only the owner removes an admin", async () => {
    const owner = await newUser();
    const admin1 = await newUser();
    const admin2 = await newUser();
    const room = await newRoom(owner);
    for (const a of [admin1, admin2]) {
      await api("POST", `/room/${room.id}/members`, {
        token: owner.token,
        json: { user_id: a.id, role: "admin" },
      });
    }
    expectError(
      await api("DELETE", `/room/${room.id}/members/${owner.id}`, { token: admin1.token }),
      409,
      "owner_protected",
    );
    expectError(
      await api("POST", `/room/${room.id}/members/${owner.id}/ban`, { token: admin1.token }),
      409,
      "owner_protected",
    );
    expectError(
      await api("DELETE", `/room/${room.id}/members/${admin2.id}`, { token: admin1.token }),
      403,
      "forbidden",
    );
    expect(
      (await api("DELETE", `/room/${room.id}/members/${admin2.id}`, { token: owner.token })).status,
    ).toBe(204);
  });

  it("bans: the user's sockets close, they cannot rejoin, post or be re-added until unbanned", async () => {
    const owner = await newUser();
    const bob = await newUser();
    const room = await newRoom(owner);
    const { socket } = await connect(room.id, bob.token);
    expect((await api("POST", `/room/${room.id}/members/${bob.id}/ban`, { token: owner.token })).status).toBe(
      200,
    );
    expect((await socket.waitClosed()).code).toBe(4403);
    expectError(await api("POST", `/room/${room.id}/members/join`, { token: bob.token }), 403, "banned");
    expectError(
      await api("POST", `/message/rooms/${room.id}/messages`, { token: bob.token, json: { content: "x" } }),
      403,
      "banned",
    );
    expectError(
      await api("POST", `/room/${room.id}/members`, { token: owner.token, json: { user_id: bob.id } }),
      409,
      "user_banned",
    );
    expect((await openSocket(room.id, bob.token)).refusal?.code).toBe(4403);
    expect(
      (await api("DELETE", `/room/${room.id}/members/${bob.id}/ban`, { token: owner.token })).status,
    ).toBe(204);
    expect((await api("POST", `/room/${room.id}/members/join`, { token: bob.token })).status).toBe(201);
  });

  it("lets members leave (sockets close) but not the owner", async () => {
    const owner = await newUser();
    const bob = await newUser();
    const room = await newRoom(owner);
    await api("POST", `/room/${room.id}/members/join`, { token: bob.token });
    const { socket } = await connect(room.id, bob.token);
    expect((await api("POST", `/room/${room.id}/members/leave`, { token: bob.token })).status).toBe(204);
    expect((await socket.waitClosed()).code).toBe(4403);
    expectError(
      await api("POST", `/room/${room.id}/members/leave`, { token: owner.token }),
      409,
      "owner_cannot_leave",
    );
    expectError(
      await api("POST", `/room/${room.id}/members/leave`, { token: bob.token }),
      409,
      "not_a_member",
    );
  });

  it("lets a global admin see and moderate any room", async () => {
    const owner = await newUser();
    const bob = await newUser();
    const admin = await newAdmin();
    const room = await newRoom(owner, { kind: "private" });
    await api("POST", `/room/${room.id}/members`, { token: owner.token, json: { user_id: bob.id } });
    expect((await api("GET", `/room/${room.id}/members`, { token: admin.token })).status).toBe(200);
    expect((await api("DELETE", `/room/${room.id}/members/${bob.id}`, { token: admin.token })).status).toBe(
      204,
    );
  });
});

describe("room listings", () => {
  it("shows my rooms with my role, the last message and my unread count, which read markers lower", async () => {
    const owner = await newUser();
    const bob = await newUser();
    const room = await newRoom(owner);
    await api("POST", `/room/${room.id}/members/join`, { token: bob.token });
    for (const content of ["one", "two", "three"]) {
      await api("POST", `/message/rooms/${room.id}/messages`, { token: owner.token, json: { content } });
    }
    await api("POST", `/message/rooms/${room.id}/messages`, { token: bob.token, json: { content: "mine" } });
    const summary = async () => {
      const list = await api<RoomSummary[]>("GET", "/room/rooms", { token: bob.token });
      return list.body.find((r) => r.id === room.id);
    };
    // The copy to PostgreSQL is asynchronous; summaries are read from it.
    let s = await summary();
    for (let i = 0; i < 50 && s?.last_message?.content !== "mine"; i++) {
      await new Promise((r) => setTimeout(r, 100));
      s = await summary();
    }
    expect(s).toMatchObject({
      my_role: "member",
      unread_count: 3,
      last_message: { seq: 4, content: "mine" },
    });
    const read = await api<ReadMarker>("POST", `/room/${room.id}/read`, {
      token: bob.token,
      json: { seq: 2 },
    });
    expect(read.body).toEqual({ room_id: room.id, last_read_seq: 2, unread_count: 1 });
    const back = await api<ReadMarker>("POST", `/room/${room.id}/read`, {
      token: bob.token,
      json: { seq: 1 },
    });
    expect(back.body.last_read_seq).toBe(2);
    const future = await api<ReadMarker>("POST", `/room/${room.id}/read`, {
      token: bob.token,
      json: { seq: 999 },
    });
    expect(future.body).toMatchObject({ last_read_seq: 4, unread_count: 0 });
    expect((await summary())?.unread_count).toBe(0);
  });

  it("finds public rooms by name, never private ones", async () => {
    const owner = await newUser();
    const tag = `Zeta${Date.now()}`;
    const pub = await newRoom(owner, { name: `${tag} lounge` });
    await newRoom(owner, { name: `${tag} secret`, kind: "private" });
    const stranger = await newUser();
    const found = await api<Room[]>("GET", `/room/public?q=${tag.toLowerCase()}`, { token: stranger.token });
    expect(found.body.map((r) => r.id)).toEqual([pub.id]);
  });
});
