import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { refreshTokens } from "../src/db/people-schema";
import {
  api,
  expectError,
  type Login,
  type Message,
  newRoom,
  newUser,
  type TestUser,
  withTestDb,
} from "./helpers";
import { connectInbox } from "./inbox-socket";
import { connect } from "./socket";

const login = (u: TestUser) =>
  api<Login>("POST", "/auth/login", { json: { username: u.username, password: u.password } }).then((r) => {
    expect(r.status).toBe(200);
    return r.body;
  });
const post = (token: string, roomId: number, content: string) =>
  api<Message>("POST", `/message/rooms/${roomId}/messages`, { token, json: { content } });
const REVOKED = { code: 4401, reason: "session revoked" };

/** One device: a room socket and an inbox channel opened with one session's token. */
async function device(roomId: number, pair: Login) {
  const room = (await connect(roomId, pair.access_token)).socket;
  const inbox = (await connectInbox(pair.access_token)).socket;
  return { room, inbox };
}

describe("ending a session closes its sockets at once (issue 19)", () => {
  it("revoking one session closes its room and inbox sockets with 4401 'session revoked'; the other session's stay", async () => {
    const alice = await newUser();
    const room = await newRoom(alice);
    const phone = await login(alice);
    const laptop = await login(alice);
    const p = await device(room.id, phone);
    const l = await device(room.id, laptop);
    const revoked = await api("DELETE", `/auth/sessions/${phone.session_id}`, { token: laptop.access_token });
    expect(revoked.status).toBe(204);
    expect(await p.room.waitClosed()).toEqual(REVOKED);
    expect(await p.inbox.waitClosed()).toEqual(REVOKED);
    // The laptop's sockets still work: its channel hears of the revocation, its room socket of a message.
    const notice = await l.inbox.next("account");
    expect(notice).toMatchObject({ event: "session_revoked", detail: { session_id: phone.session_id } });
    expect((await post(laptop.access_token, room.id, "still here")).status).toBe(201);
    expect((await l.room.next("message")).content).toBe("still here");
    expect(l.room.closed).toBeNull();
    expect(l.inbox.closed).toBeNull();
  });

  it("logout and a detected refresh-token reuse close that session's sockets too", async () => {
    const alice = await newUser();
    const room = await newRoom(alice);
    const other = await device(room.id, await login(alice));

    const one = await login(alice);
    const d1 = await device(room.id, one);
    expect((await api("POST", "/auth/logout", { token: one.access_token })).status).toBe(204);
    expect(await d1.room.waitClosed()).toEqual(REVOKED);
    expect(await d1.inbox.waitClosed()).toEqual(REVOKED);

    const two = await login(alice);
    const d2 = await device(room.id, two);
    const next = await api<Login>("POST", "/auth/refresh", { json: { refresh_token: two.refresh_token } });
    expect(next.status).toBe(200);
    // Past the grace window, the retired token presented again is theft: the session ends.
    await withTestDb((db) =>
      db.execute(
        sql`update ${refreshTokens} set retired_at = retired_at - interval '1 hour' where session_id = ${two.session_id}`,
      ),
    );
    expectError(
      await api("POST", "/auth/refresh", { json: { refresh_token: two.refresh_token } }),
      401,
      "invalid_grant",
    );
    expect(await d2.room.waitClosed()).toEqual(REVOKED);
    expect(await d2.inbox.waitClosed()).toEqual(REVOKED);
    expect(other.room.closed).toBeNull();
    expect(other.inbox.closed).toBeNull();
  });

  it("a password change closes every other session's sockets with 4401 'password changed', whichever close came first", async () => {
    const alice = await newUser();
    const room = await newRoom(alice);
    const phone = await login(alice);
    const laptop = await login(alice);
    const p = await device(room.id, phone);
    const l = await device(room.id, laptop);
    const changed = await api("POST", "/user/update_password", {
      token: laptop.access_token,
      json: { current_password: alice.password, new_password: "another long password" },
    });
    expect(changed.status).toBe(200);
    // The phone's session ended and its token was revoked: two closes, one reason.
    const PASSWORD = { code: 4401, reason: "password changed" };
    expect(await p.room.waitClosed()).toEqual(PASSWORD);
    expect(await p.inbox.waitClosed()).toEqual(PASSWORD);
    // The laptop's sockets were opened with a token issued before the change: closed alike.
    expect(await l.room.waitClosed()).toEqual(PASSWORD);
    expect(await l.inbox.waitClosed()).toEqual(PASSWORD);
  });
});
