import { eq, sql } from "drizzle-orm";
import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import { refreshTokens, sessions } from "../src/db/people-schema";
import {
  api,
  type ErrorBody,
  expectError,
  type Login,
  newUser,
  type OAuthErrorBody,
  type Session,
  type TestUser,
  type Token,
  withTestDb,
} from "./helpers";

const login = (u: TestUser, userAgent = "test-agent") =>
  api<Login>("POST", "/auth/login", {
    json: { username: u.username, password: u.password },
    headers: { "user-agent": userAgent },
  }).then((r) => {
    expect(r.status).toBe(200);
    return r.body;
  });
const refresh = (refresh_token: string) => api<Token>("POST", "/auth/refresh", { json: { refresh_token } });
const rooms = (token: string) => api("GET", "/room/rooms", { token });
/** Moves a retired token's use into the past, beyond the grace window. */
const ageRetirement = (token: string) =>
  withTestDb((db) =>
    db.execute(
      sql`update ${refreshTokens} set retired_at = retired_at - interval '1 hour' where session_id = ${token.split(".")[1]}`,
    ),
  );

describe("refresh tokens", () => {
  it("log in gives a short access token with the session's sid and an opaque refresh token", async () => {
    const u = await newUser();
    const pair = await login(u);
    expect(pair).toMatchObject({ token_type: "bearer", expires_in: 900, refresh_expires_in: 2_592_000 });
    expect(decodeJwt(pair.access_token)).toMatchObject({ sub: String(u.id), sid: pair.session_id });
    expect(pair.refresh_token).toMatch(new RegExp(`^${u.id}\\.${pair.session_id}\\.[A-Za-z0-9_-]{43}$`));
    // Only a hash reaches PostgreSQL.
    const stored = await withTestDb((db) =>
      db.select().from(refreshTokens).where(eq(refreshTokens.sessionId, pair.session_id)),
    );
    expect(stored).toHaveLength(1);
    expect(JSON.stringify(stored)).not.toContain(pair.refresh_token.split(".")[2]);
  });

  it("rotates: each refresh gives a new pair of the same session and retires the old refresh token", async () => {
    const u = await newUser();
    const first = await login(u);
    const second = await refresh(first.refresh_token);
    expect(second.status).toBe(200);
    expect(second.body.session_id).toBe(first.session_id);
    expect(second.body.refresh_token).not.toBe(first.refresh_token);
    expect((await rooms(second.body.access_token)).status).toBe(200);
    const third = await refresh(second.body.refresh_token);
    expect(third.status).toBe(200);
    expect(third.body.refresh_token).not.toBe(second.body.refresh_token);
  });

  it("a retired token presented after the grace window revokes the whole session (RFC 9700 §4.14)", async () => {
    const u = await newUser();
    const first = await login(u);
    const second = (await refresh(first.refresh_token)).body;
    await ageRetirement(first.refresh_token);
    const reuse = await refresh(first.refresh_token);
    expectError(reuse, 401, "invalid_grant");
    expect((reuse.body as unknown as ErrorBody).error.message).toMatch(/already used/);
    // Every token of the family is dead: the current refresh token and the access tokens.
    expectError(await refresh(second.refresh_token), 401, "invalid_grant");
    expectError(await rooms(second.access_token), 401, "unauthorized");
    expectError(await rooms(first.access_token), 401, "unauthorized");
    // Other sessions of the user are untouched.
    const other = await login(u);
    expect((await refresh(other.refresh_token)).status).toBe(200);
  });

  it("two tabs refreshing with one token at once all get the same new pair", async () => {
    const u = await newUser();
    const first = await login(u);
    const answers = await Promise.all(Array.from({ length: 6 }, () => refresh(first.refresh_token)));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200]);
    const pairs = new Set(answers.map((a) => `${a.body.access_token} ${a.body.refresh_token}`));
    expect(pairs.size).toBe(1);
    // The shared new pair works, and rotates once more as usual.
    expect((await rooms(answers[0]?.body.access_token ?? "")).status).toBe(200);
    expect((await refresh(answers[0]?.body.refresh_token ?? "")).status).toBe(200);
  });

  it("a just-retired token whose successor was already used is reuse, not grace", async () => {
    const u = await newUser();
    const first = await login(u);
    const second = (await refresh(first.refresh_token)).body;
    expect((await refresh(second.refresh_token)).status).toBe(200);
    expectError(await refresh(first.refresh_token), 401, "invalid_grant");
    expectError(await rooms(second.access_token), 401, "unauthorized");
  });

  it("refuses unknown, malformed and expired refresh tokens with invalid_grant", async () => {
    const u = await newUser();
    const pair = await login(u);
    const forged = pair.refresh_token.replace(/.{4}$/, "AAAA");
    expectError(await refresh(forged), 401, "invalid_grant");
    expectError(await refresh("not-a-token"), 401, "invalid_grant");
    expectError(await api("POST", "/auth/refresh", { json: {} }), 422, "validation_error");
    // The forged token revoked nothing.
    expect((await rooms(pair.access_token)).status).toBe(200);
    await withTestDb((db) =>
      db
        .update(sessions)
        .set({ expiresAt: new Date(Date.now() - 1000) })
        .where(eq(sessions.id, pair.session_id)),
    );
    expectError(await refresh(pair.refresh_token), 401, "invalid_grant");
  });
});

describe("POST /auth/token grant_type=refresh_token (OAuth 2.0, RFC 6749 §6)", () => {
  const grant = (form: Record<string, string>) =>
    api<Token | OAuthErrorBody>("POST", "/auth/token", { form });

  it("logs in with the password grant and rotates with the refresh_token grant", async () => {
    const u = await newUser();
    const first = await grant({ grant_type: "password", username: u.username, password: u.password });
    expect(first.status).toBe(200);
    const { refresh_token } = first.body as Token;
    const next = await grant({ grant_type: "refresh_token", refresh_token });
    expect(next.status).toBe(200);
    expect((next.body as Token).session_id).toBe((first.body as Token).session_id);
  });

  it("answers refusals in RFC 6749 §5.2's shape", async () => {
    const u = await newUser();
    const bad = await grant({ grant_type: "refresh_token", refresh_token: "1.nope.nope" });
    expect({ status: bad.status, body: bad.body }).toEqual({
      status: 400,
      body: { error: "invalid_grant", error_description: expect.any(String) },
    });
    expect((await grant({ grant_type: "refresh_token" })).body).toMatchObject({ error: "invalid_request" });
    expect((await grant({ grant_type: "client_credentials" })).body).toMatchObject({
      error: "unsupported_grant_type",
    });
    const wrong = await grant({ username: u.username, password: "not the password" });
    expect([wrong.status, (wrong.body as OAuthErrorBody).error]).toEqual([400, "invalid_grant"]);
  });
});

describe("sessions: list, revoke, logout", () => {
  it("lists my devices with their user agent, marks the current one, and revokes one at once", async () => {
    const u = await newUser();
    const phone = await login(u, "phone/1.0");
    const laptop = await login(u, "laptop/2.0");
    const list = await api<Session[]>("GET", "/auth/sessions", { token: laptop.access_token });
    expect(list.status).toBe(200);
    const mine = list.body.filter((s) => s.id === phone.session_id || s.id === laptop.session_id);
    expect(mine.map((s) => [s.user_agent, s.current]).sort()).toEqual([
      ["laptop/2.0", true],
      ["phone/1.0", false],
    ]);
    expect(JSON.stringify(list.body)).not.toContain(phone.refresh_token);
    const revoked = await api("DELETE", `/auth/sessions/${phone.session_id}`, { token: laptop.access_token });
    expect(revoked.status).toBe(204);
    expectError(await rooms(phone.access_token), 401, "unauthorized");
    expectError(await refresh(phone.refresh_token), 401, "invalid_grant");
    expect((await rooms(laptop.access_token)).status).toBe(200);
    const again = await api("DELETE", `/auth/sessions/${phone.session_id}`, { token: laptop.access_token });
    expectError(again, 404, "not_found");
  });

  it("cannot revoke another user's session", async () => {
    const alice = await newUser();
    const bob = await newUser();
    const bobs = await login(bob);
    expectError(
      await api("DELETE", `/auth/sessions/${bobs.session_id}`, { token: alice.token }),
      404,
      "not_found",
    );
    expect((await rooms(bobs.access_token)).status).toBe(200);
  });

  it("logout ends the current session: its access and refresh tokens stop working", async () => {
    const u = await newUser();
    const pair = await login(u);
    expect((await api("POST", "/auth/logout", { token: pair.access_token })).status).toBe(204);
    expectError(await rooms(pair.access_token), 401, "unauthorized");
    expectError(await refresh(pair.refresh_token), 401, "invalid_grant");
    expect((await rooms(u.token)).status).toBe(200);
  });

  it("a password change ends every other session, and this one continues", async () => {
    const u = await newUser();
    const here = await login(u);
    const elsewhere = await login(u);
    const change = await api<{ access_token: string }>("POST", "/user/update_password", {
      token: here.access_token,
      json: { current_password: u.password, new_password: "a brand new password" },
    });
    expect(change.status).toBe(200);
    expectError(await refresh(elsewhere.refresh_token), 401, "invalid_grant");
    expectError(await rooms(elsewhere.access_token), 401, "unauthorized");
    expect((await rooms(change.body.access_token)).status).toBe(200);
    const next = await refresh(here.refresh_token);
    expect(next.status).toBe(200);
    expect((await rooms(next.body.access_token)).status).toBe(200);
  });
});
