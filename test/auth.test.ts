import { env } from "cloudflare:workers";
import { decodeJwt, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { createApp } from "../src/app";
import { expectLogs } from "./expected-logs";
import { api, type ErrorBody, expectError, type Login, newUser, rawPost, type Token } from "./helpers";

const secret = new TextEncoder().encode(env.SECRET_KEY);
const sign = (claims: Record<string, unknown>, opts: { key?: Uint8Array; exp?: number } = {}) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256" })
    .setIssuer("roomcast")
    .setAudience("roomcast-api")
    .setIssuedAt()
    .setExpirationTime(opts.exp ?? Math.floor(Date.now() / 1000) + 600)
    .sign(opts.key ?? secret);

describe("POST /auth/login", () => {
  it("returns a bearer token, its lifetime and the user without any password hash", async () => {
    const u = await newUser();
    const res = await api<Login>("POST", "/auth/login", {
      json: { username: u.username, password: u.password },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      token_type: "bearer",
      expires_in: 900,
      user: { id: u.id, username: u.username },
    });
    expect(res.body.access_token.split(".")).toHaveLength(3);
    expect(JSON.stringify(res.body)).not.toMatch(/pbkdf2|password/);
  });

  it("accepts the username in any case", async () => {
    const u = await newUser();
    const res = await api("POST", "/auth/login", {
      json: { username: u.username.toUpperCase(), password: u.password },
    });
    expect(res.status).toBe(200);
  });

  it("answers an unknown user and a wrong password with the same 401", async () => {
    const u = await newUser();
    const wrong = await api("POST", "/auth/login", {
      json: { username: u.username, password: "not the password" },
    });
    const unknown = await api("POST", "/auth/login", {
      json: { username: "nobody_here", password: "whatever1" },
    });
    expectError(wrong, 401, "unauthorized");
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
  });

  it("rejects malformed JSON with 400 and missing fields with 422 listing them", async () => {
    const res = await rawPost("/auth/login", "{not json", "application/json");
    expectError(res, 400, "malformed_json");
    const missing = await api<ErrorBody>("POST", "/auth/login", { json: { username: "x" } });
    expectError(missing, 422, "validation_error");
    expect(missing.body.error.details).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: "password" })]),
    );
  });
});

describe("POST /auth/token (OAuth2 password form)", () => {
  it("returns only the token fields", async () => {
    const u = await newUser();
    const res = await api<Token>("POST", "/auth/token", {
      form: { grant_type: "password", username: u.username, password: u.password },
    });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual([
      "access_token",
      "expires_in",
      "refresh_expires_in",
      "refresh_token",
      "session_id",
      "token_type",
    ]);
    const me = await api("GET", "/room/rooms", { token: res.body.access_token });
    expect(me.status).toBe(200);
  });

  it("refuses a wrong password and an unsupported grant type in RFC 6749 §5.2's shape", async () => {
    const u = await newUser();
    const wrong = await api("POST", "/auth/token", { form: { username: u.username, password: "nope-nope" } });
    expect([wrong.status, wrong.body]).toEqual([
      400,
      { error: "invalid_grant", error_description: "Incorrect username or password" },
    ]);
    const grant = await api("POST", "/auth/token", {
      form: { grant_type: "client_credentials", username: u.username, password: u.password },
    });
    expect([grant.status, (grant.body as { error: string }).error]).toEqual([400, "unsupported_grant_type"]);
  });
});

describe("bearer tokens", () => {
  it("rejects a missing, garbage, forged, expired, alg:none or wrong-audience token with 401", async () => {
    const u = await newUser();
    const claims = { sub: String(u.id), ver: 0, sid: decodeJwt(u.token).sid };
    const forged = await sign(claims, {
      key: new TextEncoder().encode("another-secret-that-is-32-bytes-long!!"),
    });
    const expired = await sign(claims, { exp: Math.floor(Date.now() / 1000) - 10 });
    const header = btoa(JSON.stringify({ alg: "none", typ: "JWT" })).replace(/=+$/, "");
    const payload = btoa(
      JSON.stringify({ ...claims, iss: "roomcast", aud: "roomcast-api", iat: 1, exp: 4102444800 }),
    ).replace(/=+$/, "");
    const none = `${header}.${payload}.`;
    const wrongAud = await new SignJWT(claims)
      .setProtectedHeader({ alg: "HS256" })
      .setIssuer("roomcast")
      .setAudience("someone-else")
      .setIssuedAt()
      .setExpirationTime("10m")
      .sign(secret);

    expectError(await api("GET", "/room/rooms"), 401, "unauthorized");
    for (const token of ["garbage", forged, expired, none, wrongAud]) {
      expectError(await api("GET", "/room/rooms", { token }), 401, "unauthorized");
    }
    // The same claims signed correctly do work, so the refusals above are about the token.
    expect((await api("GET", "/room/rooms", { token: await sign(claims) })).status).toBe(200);
  });

  it("says when a token has expired", async () => {
    const u = await newUser();
    const claims = { sub: String(u.id), ver: 0, sid: decodeJwt(u.token).sid };
    const expired = await sign(claims, { exp: Math.floor(Date.now() / 1000) - 10 });
    const res = await api<ErrorBody>("GET", "/room/rooms", { token: expired });
    expect(res.body.error.message).toMatch(/expired/i);
  });

  it("refuses a token that worked a moment ago once its exp has passed (verified tokens are remembered)", async () => {
    const u = await newUser();
    const claims = { sub: String(u.id), ver: 0, sid: decodeJwt(u.token).sid };
    const exp = Math.floor(Date.now() / 1000) + 2;
    const shortLived = await sign(claims, { exp });
    expect((await api("GET", "/room/rooms", { token: shortLived })).status).toBe(200);
    await new Promise((r) => setTimeout(r, exp * 1000 - Date.now() + 50));
    const res = await api<ErrorBody>("GET", "/room/rooms", { token: shortLived });
    expectError(res, 401, "unauthorized");
    expect(res.body.error.message).toMatch(/expired/i);
  });
});

describe("configuration", () => {
  it("refuses to serve with a SECRET_KEY shorter than 32 bytes", async () => {
    expectLogs(/^invalid configuration/);
    const app = createApp();
    const res = await app.request(
      "/auth/login",
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "a", password: "b" }),
      },
      { ...env, SECRET_KEY: "too-short" },
      { waitUntil() {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext,
    );
    expect(res.status).toBe(500);
    expect(((await res.json()) as ErrorBody).error.code).toBe("server_misconfigured");
  });
});
