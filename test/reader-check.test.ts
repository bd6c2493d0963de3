import { describe, expect, it } from "vitest";
import { api, expectError, type Login, newAdmin, newRoom, newUser, postAs, type TestUser } from "./helpers";

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
