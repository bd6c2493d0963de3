import { describe, expect, it } from "vitest";
import {
  api,
  block,
  expectError,
  type Login,
  type Message,
  newAdmin,
  newRoom,
  newUser,
  postAs,
  type TestUser,
  unblock,
} from "./helpers";

/**
 * The reading routes (`requireReader`, auth/middleware.ts: a room, a history page, a thread) ask
 * the room while the caller's account check is still under way. Each case here is a caller the
 * check refuses, on a room the room itself would show them (a public room of theirs, warm): the
 * room's answer must never leave, the refusal must be `requireUser`'s 401 on every one of those
 * routes, and a bad input must not get ahead of it (401, not 422).
 */
const login = (u: TestUser) =>
  api<Login>("POST", "/auth/login", { json: { username: u.username, password: u.password } }).then(
    (r) => r.body,
  );

/** A user, a public room of theirs with a message the room object has answered, and a second session. */
async function warmRoomOf() {
  const u = await newUser("reader");
  const room = await newRoom(u);
  const posted = await postAs(u, room.id, "hello");
  expect(posted.status).toBe(201);
  const second = await login(u);
  const paths = [
    `/room/${room.id}`,
    `/message/rooms/${room.id}/messages?limit=10`,
    `/message/rooms/${room.id}/messages/${posted.body.id}/thread`,
  ];
  const statuses = async (token: string) =>
    Promise.all(paths.map(async (p) => (await api("GET", p, { token })).status));
  expect(await statuses(second.access_token)).toEqual([200, 200, 200]);
  /** Every reading route refuses `token` as `requireUser` does, a bad input included. */
  const refused = async (token: string) => {
    for (const p of paths) expectError(await api("GET", p, { token }), 401, "unauthorized");
    expectError(await api("GET", "/room/abc", { token }), 401, "unauthorized");
    const badLimit = `/message/rooms/${room.id}/messages?limit=abc`;
    expectError(await api("GET", badLimit, { token }), 401, "unauthorized");
  };
  return { u, room, second, statuses, refused };
}

describe("a reading route refuses whom the account check refuses", () => {
  it("a revoked session", async () => {
    const { u, second, statuses, refused } = await warmRoomOf();
    const revoked = await api("DELETE", `/auth/sessions/${second.session_id}`, { token: u.token });
    expect(revoked.status).toBe(204);
    await refused(second.access_token);
    expect(await statuses(u.token)).toEqual([200, 200, 200]);
  });

  it("a session that logged out", async () => {
    const { u, second, statuses, refused } = await warmRoomOf();
    expect((await api("POST", "/auth/logout", { token: second.access_token })).status).toBe(204);
    await refused(second.access_token);
    expect(await statuses(u.token)).toEqual([200, 200, 200]);
  });

  it("a token older than a password change", async () => {
    const { u, second, statuses, refused } = await warmRoomOf();
    const change = await api<{ access_token: string }>("POST", "/user/update_password", {
      token: u.token,
      json: { current_password: u.password, new_password: "another good password" },
    });
    expect(change.status).toBe(200);
    await refused(second.access_token);
    expect(await statuses(change.body.access_token)).toEqual([200, 200, 200]);
  });

  it("a deactivated account, and a deleted one", async () => {
    const admin = await newAdmin();
    const a = await warmRoomOf();
    await api("PUT", `/user/update/${a.u.id}`, { token: admin.token, json: { is_active: false } });
    await a.refused(a.second.access_token);
    const b = await warmRoomOf();
    expect((await api("DELETE", `/user/${b.u.id}`, { token: b.u.token })).status).toBe(204);
    await b.refused(b.second.access_token);
  });

  it("a global admin still reads a private room they are not in (asked with their rights)", async () => {
    const owner = await newUser("owner");
    const room = await newRoom(owner, { kind: "private" });
    const admin = await newAdmin();
    const outsider = await newUser("outsider");
    const history = `/message/rooms/${room.id}/messages`;
    for (const p of [`/room/${room.id}`, history]) {
      expect((await api("GET", p, { token: admin.token })).status).toBe(200);
      expectError(await api("GET", p, { token: outsider.token }), 404, "not_found");
    }
  });
});

/**
 * A room answers a reader's account check from a copy its Account object leases it (a few
 * seconds, room/access/account-copies.ts): these warm that copy with reads, change the account
 * (the cases above do too, through `warmRoomOf`), and expect the very next read to see the change.
 * Without the Account telling the room to drop its copy, each of them fails.
 */
describe("a room's leased copy of the account check follows every change at once", () => {
  const read = (token: string, path: string) => api<Message[]>("GET", path, { token });
  const warm = async (token: string, path: string, status = 200) => {
    for (let i = 0; i < 5; i++) expect((await read(token, path)).status).toBe(status);
  };

  it("a session ended by a refresh token's reuse", async () => {
    const u = await newUser("reuse");
    const room = await newRoom(u);
    const first = await login(u);
    await warm(first.access_token, `/room/${room.id}`);
    const refresh = (refresh_token: string) =>
      api<Login>("POST", "/auth/refresh", { json: { refresh_token } });
    const second = (await refresh(first.refresh_token)).body;
    expect((await refresh(second.refresh_token)).status).toBe(200);
    expectError(await refresh(first.refresh_token), 401, "invalid_grant");
    expectError(await read(first.access_token, `/room/${room.id}`), 401, "unauthorized");
    expect((await read(u.token, `/room/${room.id}`)).status).toBe(200);
  });

  it("a global admin demoted reads as anyone else, and one promoted as an admin", async () => {
    const owner = await newUser("owner");
    const room = await newRoom(owner, { kind: "private" });
    const [admin, other, root] = [await newAdmin(), await newUser("other"), await newAdmin()];
    const paths = [`/room/${room.id}`, `/message/rooms/${room.id}/messages`];
    for (const p of paths) {
      await warm(admin.token, p);
      await warm(other.token, p, 404);
    }
    const setAdmin = (u: TestUser, is_admin: boolean) =>
      api("PUT", `/user/update/${u.id}`, { token: root.token, json: { is_admin } });
    expect((await setAdmin(admin, false)).status).toBe(200);
    expect((await setAdmin(other, true)).status).toBe(200);
    for (const p of paths) {
      expectError(await read(admin.token, p), 404, "not_found");
      expect((await read(other.token, p)).status).toBe(200);
    }
  });

  it("a block hides its author from the blocker's very next page", async () => {
    const [owner, reader] = [await newUser("owner"), await newUser("blocker")];
    const room = await newRoom(owner);
    expect((await postAs(owner, room.id, "from the owner")).status).toBe(201);
    const path = `/message/rooms/${room.id}/messages`;
    await warm(reader.token, path);
    expect((await read(reader.token, path)).body.map((m) => m.content)).toEqual(["from the owner"]);
    await block(reader, owner);
    expect((await read(reader.token, path)).body).toEqual([]);
    await unblock(reader, owner);
    expect((await read(reader.token, path)).body.map((m) => m.content)).toEqual(["from the owner"]);
  });

  it("a logout after many reads of several rooms, each refused at once", async () => {
    const u = await newUser("many");
    const rooms = [await newRoom(u), await newRoom(u), await newRoom(u)];
    const session = await login(u);
    for (const r of rooms) await warm(session.access_token, `/room/${r.id}`);
    expect((await api("POST", "/auth/logout", { token: session.access_token })).status).toBe(204);
    for (const r of rooms)
      expectError(await read(session.access_token, `/room/${r.id}`), 401, "unauthorized");
  });
});
