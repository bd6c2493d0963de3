import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import {
  api,
  expectError,
  type Message,
  newRoom,
  newUser,
  type PasswordChanged,
  type Room,
  withTestDb,
} from "./helpers";
import { database } from "./outage";

describe("a warm room answers REST without PostgreSQL", () => {
  it("serves the room, a history page and new posts while PostgreSQL is unreachable; 503 only where the database is needed", async () => {
    const alice = await newUser();
    const room = await newRoom(alice);
    const post = (content: string) =>
      api("POST", `/message/rooms/${room.id}/messages`, { token: alice.token, json: { content } });
    expect((await post("before")).status).toBe(201);
    expect((await api("GET", `/room/${room.id}`, { token: alice.token })).status).toBe(200);

    await database("down");
    try {
      const got = await api<Room>("GET", `/room/${room.id}`, { token: alice.token });
      expect(got.status).toBe(200);
      expect(got.body.name).toBe(room.name);
      expect((await post("during")).status).toBe(201);
      const page = await api<Message[]>("GET", `/message/rooms/${room.id}/messages?limit=50`, {
        token: alice.token,
      });
      expect(page.status).toBe(200);
      expect(page.body.map((m) => m.content)).toEqual(["before", "during"]);
      // What truly needs the database says so.
      expectError(
        await api("GET", `/room/${room.id}/members`, { token: alice.token }),
        503,
        "database_unavailable",
      );
      expectError(
        await api("POST", "/auth/login", { json: { username: alice.username, password: alice.password } }),
        503,
        "database_unavailable",
      );
    } finally {
      await database("up");
    }
  });

  it("reads history older than the room object from PostgreSQL once, then answers it without the database", async () => {
    const alice = await newUser();
    const room = await newRoom(alice);
    // Messages PostgreSQL holds from before this room object ever started (e.g. migrated data).
    await withTestDb((db) =>
      db.execute(sql`insert into messages (id, room_id, seq, kind, user_id, content)
        values ('01OLDMSG0000000000000000A1', ${room.id}, 1, 'message', ${alice.id}, 'old one'),
               ('01OLDMSG0000000000000000A2', ${room.id}, 2, 'message', ${alice.id}, 'old two')`),
    );
    const read = () =>
      api<Message[]>("GET", `/message/rooms/${room.id}/messages?limit=50`, { token: alice.token });
    const first = await read();
    expect(first.status).toBe(200);
    expect(first.body.map((m) => m.content)).toEqual(["old one", "old two"]);
    await database("down");
    try {
      // The room keeps what it read (reaction totals, thread counters): no second round trip.
      expect(
        (
          await api("POST", `/message/rooms/${room.id}/messages`, {
            token: alice.token,
            json: { content: "new" },
          })
        ).status,
      ).toBe(201);
      const page = await api<Message[]>("GET", `/message/rooms/${room.id}/messages?after=2`, {
        token: alice.token,
      });
      expect(page.status).toBe(200);
      expect(page.body.map((m) => m.content)).toEqual(["new"]);
    } finally {
      await database("up");
    }
  });

  it("applies revocation and permission changes on the very next request", async () => {
    const owner = await newUser();
    const bob = await newUser();
    const room = await newRoom(owner, { kind: "private" });
    await api("POST", `/room/${room.id}/members`, { token: owner.token, json: { user_id: bob.id } });
    const read = (token: string) => api("GET", `/message/rooms/${room.id}/messages`, { token });
    expect((await read(bob.token)).status).toBe(200);
    // Removed: the warm room knows at once (a private room is then invisible: 404).
    expect((await api("DELETE", `/room/${room.id}/members/${bob.id}`, { token: owner.token })).status).toBe(
      204,
    );
    expectError(await read(bob.token), 404, "not_found");
    // Added back, then banned: 404 (private rooms stay invisible to the banned).
    await api("POST", `/room/${room.id}/members`, { token: owner.token, json: { user_id: bob.id } });
    expect((await read(bob.token)).status).toBe(200);
    expect((await api("POST", `/room/${room.id}/members/${bob.id}/ban`, { token: owner.token })).status).toBe(
      200,
    );
    expectError(await read(bob.token), 404, "not_found");
    // A password change revokes the old token at once, even with the account cached.
    const changed = await api<PasswordChanged>("POST", "/user/update_password", {
      token: owner.token,
      json: { current_password: owner.password, new_password: "another long password" },
    });
    expect(changed.status).toBe(200);
    expectError(await read(owner.token), 401, "unauthorized");
    expect((await read(changed.body.access_token)).status).toBe(200);
  });
});
