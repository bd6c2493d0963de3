import { describe, expect, it } from "vitest";
import {
  api,
  eventually,
  expectError,
  type Member,
  type Message,
  newAdmin,
  newRoom,
  newUser,
  type PasswordChanged,
  type Room,
  storedMessages,
} from "./helpers";
import { database } from "./outage";
import { connect } from "./socket";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("privilege changes take effect on open sockets at once", () => {
  it("a demoted global admin's open socket loses admin rights immediately", async () => {
    const owner = await newUser();
    const admin = await newAdmin();
    const root = await newAdmin();
    const room = await newRoom(owner);
    const o = (await connect(room.id, owner.token)).socket;
    const s = (await connect(room.id, admin.token)).socket;
    o.send({ type: "message.send", content: "mine", client_id: "m1" });
    const first = await o.next("ack");
    o.send({ type: "message.send", content: "mine too", client_id: "m2" });
    const second = await o.next("ack");
    // As admin, the socket may delete the owner's message.
    s.send({ type: "message.delete", message_id: first.id });
    expect((await s.next("message.deleted")).message_id).toBe(first.id);
    expect(
      (await api("PUT", `/user/update/${admin.id}`, { token: root.token, json: { is_admin: false } })).status,
    ).toBe(200);
    s.send({ type: "message.delete", message_id: second.id });
    expect(await s.next("error")).toMatchObject({ code: "forbidden" });
    o.close();
    s.close();
  });

  it("a password change closes sockets opened with the old token (4401)", async () => {
    const alice = await newUser();
    const room = await newRoom(alice);
    const { socket } = await connect(room.id, alice.token);
    const res = await api<PasswordChanged>("POST", "/user/update_password", {
      token: alice.token,
      json: { current_password: alice.password, new_password: "a brand new password" },
    });
    expect(res.status).toBe(200);
    expect(await socket.waitClosed()).toMatchObject({ code: 4401 });
    // The new token works.
    const again = await connect(room.id, res.body.access_token);
    again.socket.close();
  });

  it("deleting an account closes its sockets (4403) and keeps its messages with the author nulled", async () => {
    const alice = await newUser();
    const bob = await newUser();
    const room = await newRoom(alice);
    const b = (await connect(room.id, bob.token)).socket;
    b.send({ type: "message.send", content: "bob was here", client_id: "b" });
    await b.next("ack");
    await eventually(async () => expect(await storedMessages(room.id)).toHaveLength(1));
    expectError(await api("DELETE", `/user/${bob.id}`, { token: alice.token }), 403, "forbidden");
    expect((await api("DELETE", `/user/${bob.id}`, { token: bob.token })).status).toBe(204);
    expect(await b.waitClosed()).toMatchObject({ code: 4403, reason: "account deleted" });
    const page = await api<Message[]>("GET", `/message/rooms/${room.id}/messages`, { token: alice.token });
    expect(page.body.map((m) => [m.content, m.user_id])).toEqual([["bob was here", null]]);
    expect((await api("GET", "/room/rooms", { token: bob.token })).status).toBe(401);
  });

  it("a room outlives its owner's account", async () => {
    const owner = await newUser();
    const member = await newUser();
    const room = await newRoom(owner);
    expect((await api("POST", `/room/${room.id}/members/join`, { token: member.token })).status).toBeLessThan(
      300,
    );
    await api("POST", `/message/rooms/${room.id}/messages`, { token: member.token, json: { content: "hi" } });
    expect((await api("DELETE", `/user/${owner.id}`, { token: owner.token })).status).toBe(204);
    const got = await api<Room>("GET", `/room/${room.id}`, { token: member.token });
    expect(got.status).toBe(200);
    expect(got.body.owner_id).toBeNull();
    const page = await api<Message[]>("GET", `/message/rooms/${room.id}/messages`, { token: member.token });
    expect(page.body.map((m) => m.content)).toEqual(["hi"]);
  });
});

describe("global admins are above room roles", () => {
  it("a room owner cannot remove or ban a global admin", async () => {
    const owner = await newUser();
    const admin = await newAdmin();
    const room = await newRoom(owner, { kind: "private" });
    expect(
      (await api("POST", `/room/${room.id}/members`, { token: owner.token, json: { user_id: admin.id } }))
        .status,
    ).toBe(201);
    expectError(
      await api("POST", `/room/${room.id}/members/${admin.id}/ban`, { token: owner.token }),
      403,
      "forbidden",
    );
    expectError(
      await api("DELETE", `/room/${room.id}/members/${admin.id}`, { token: owner.token }),
      403,
      "forbidden",
    );
    // Still there, still able to moderate.
    const members = await api<Member[]>("GET", `/room/${room.id}/members`, { token: admin.token });
    expect(members.body.map((m) => m.user_id)).toContain(admin.id);
  });
});

describe("races and outages answer clearly", () => {
  it("of five concurrent deletes of a room exactly one answers 204, the others 404", async () => {
    const owner = await newUser();
    const room = await newRoom(owner);
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => api("DELETE", `/room/${room.id}`, { token: owner.token })),
    );
    expect(answers.map((r) => r.status).sort()).toEqual([204, 404, 404, 404, 404]);
  });

  it("an edit or delete of a message older than the cache while PostgreSQL is down answers database_unavailable", async () => {
    const alice = await newUser();
    const room = await newRoom(alice);
    const { socket } = await connect(room.id, alice.token);
    socket.send({ type: "message.send", content: "old", client_id: "old" });
    const old = await socket.next("ack");
    // ROOM_CACHE_EVENTS=5 in tests: push the first message out of the cache.
    for (let i = 0; i < 7; i++) socket.send(`filler ${i}`);
    await socket.take(7, "ack");
    await eventually(async () => expect(await storedMessages(room.id)).toHaveLength(8));
    await sleep(100);
    await database("down");
    try {
      socket.send({ type: "message.edit", message_id: old.id, content: "new" });
      expect(await socket.next("error")).toMatchObject({ code: "database_unavailable" });
      socket.send({ type: "message.delete", message_id: old.id });
      expect(await socket.next("error")).toMatchObject({ code: "database_unavailable" });
    } finally {
      await database("up");
    }
    socket.close();
  });
});
