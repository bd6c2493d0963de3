import { describe, expect, it } from "vitest";
import {
  api,
  expectError,
  newAdmin,
  newRoom,
  newUser,
  type PasswordChanged,
  rawPost,
  type User,
  unique,
  type ValidationErrorBody,
} from "./helpers";
import { connect } from "./socket";

describe("POST /user/signup", () => {
  it("creates a user and never returns a password or hash", async () => {
    const username = unique("signup");
    const res = await api<User>("POST", "/user/signup", {
      json: {
        username,
        email: `${username.toUpperCase()}@Example.test`,
        password: "long enough pw",
        full_name: "Ada L",
      },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      username,
      email: `${username}@example.test`,
      full_name: "Ada L",
      is_admin: false,
    });
    expect(Object.keys(res.body)).not.toContain("password_hash");
    expect(JSON.stringify(res.body)).not.toMatch(/pbkdf2/);
  });

  it("answers a taken username (any case) or email with 409 and a precise code", async () => {
    const u = await newUser();
    const sameName = await api("POST", "/user/signup", {
      json: {
        username: u.username.toUpperCase(),
        email: `${unique("x")}@example.test`,
        password: "long enough pw",
      },
    });
    expectError(sameName, 409, "username_taken");
    const sameEmail = await api("POST", "/user/signup", {
      json: { username: unique("y"), email: u.email.toUpperCase(), password: "long enough pw" },
    });
    expectError(sameEmail, 409, "email_taken");
  });

  it("validates fields with 422 and details per field", async () => {
    const res = await api<ValidationErrorBody>("POST", "/user/signup", {
      json: { username: "a", email: "not-an-email", password: "short" },
    });
    expectError(res, 422, "validation_error");
    const paths = res.body.error.details.map((d) => d.path).sort();
    expect(paths).toEqual(["email", "password", "username"]);
  });

  it("answers an oversized body with 413", async () => {
    const res = await rawPost(
      "/user/signup",
      JSON.stringify({ username: "x".repeat(70_000) }),
      "application/json",
    );
    expectError(res, 413, "payload_too_large");
  });
});

describe("GET /user/users", () => {
  it("lists users for a global admin, paginated", async () => {
    const admin = await newAdmin();
    await newUser();
    await newUser();
    const page = await api<User[]>("GET", "/user/users?limit=2&offset=0", { token: admin.token });
    expect(page.status).toBe(200);
    expect(page.body).toHaveLength(2);
    const next = await api<User[]>("GET", "/user/users?limit=2&offset=2", { token: admin.token });
    expect(next.body[0]?.id).toBeGreaterThan(page.body[1]?.id ?? Number.POSITIVE_INFINITY);
  });

  it("refuses a non-admin with 403, a stranger with 401, and a page above the maximum with 422", async () => {
    const u = await newUser();
    const admin = await newAdmin();
    expectError(await api("GET", "/user/users", { token: u.token }), 403, "forbidden");
    expectError(await api("GET", "/user/users"), 401, "unauthorized");
    expectError(await api("GET", "/user/users?limit=1000", { token: admin.token }), 422, "validation_error");
  });
});

describe("PUT /user/update/{user_id}", () => {
  it("lets a user update themself", async () => {
    const u = await newUser();
    const res = await api<User>("PUT", `/user/update/${u.id}`, {
      token: u.token,
      json: { full_name: "New Name" },
    });
    expect(res.status).toBe(200);
    expect(res.body.full_name).toBe("New Name");
  });

  it("refuses updating someone else, or granting oneself admin", async () => {
    const u = await newUser();
    const other = await newUser();
    expectError(
      await api("PUT", `/user/update/${other.id}`, { token: u.token, json: { full_name: "x" } }),
      403,
      "forbidden",
    );
    expectError(
      await api("PUT", `/user/update/${u.id}`, { token: u.token, json: { is_admin: true } }),
      403,
      "forbidden",
    );
  });

  it("lets a global admin update anyone, and answers an unknown user with 404", async () => {
    const admin = await newAdmin();
    const u = await newUser();
    const res = await api<User>("PUT", `/user/update/${u.id}`, {
      token: admin.token,
      json: { is_admin: true },
    });
    expect(res.body.is_admin).toBe(true);
    expectError(
      await api("PUT", "/user/update/999999", { token: admin.token, json: { full_name: "x" } }),
      404,
      "not_found",
    );
  });

  it("deactivating a user revokes their tokens, closes their sockets and blocks login", async () => {
    const admin = await newAdmin();
    const u = await newUser();
    const room = await newRoom(u);
    const { socket } = await connect(room.id, u.token);
    await api("PUT", `/user/update/${u.id}`, { token: admin.token, json: { is_active: false } });
    expect(await socket.waitClosed()).toEqual({ code: 4403, reason: "account disabled" });
    expectError(await api("GET", "/room/rooms", { token: u.token }), 401, "unauthorized");
    expectError(
      await api("POST", "/auth/login", { json: { username: u.username, password: u.password } }),
      401,
      "unauthorized",
    );
  });

  it("answers a taken username with 409, unknown fields and a bad id with 422", async () => {
    const u = await newUser();
    const other = await newUser();
    expectError(
      await api("PUT", `/user/update/${u.id}`, { token: u.token, json: { username: other.username } }),
      409,
      "username_taken",
    );
    expectError(
      await api("PUT", `/user/update/${u.id}`, { token: u.token, json: { password_hash: "x" } }),
      422,
      "validation_error",
    );
    expectError(await api("PUT", "/user/update/abc", { token: u.token, json: {} }), 422, "validation_error");
  });
});

describe("POST /user/update_password", () => {
  it("changes the password, returns a fresh token and revokes older tokens", async () => {
    const u = await newUser();
    const res = await api<PasswordChanged>("POST", "/user/update_password", {
      token: u.token,
      json: { current_password: u.password, new_password: "a brand new secret" },
    });
    expect(res.status).toBe(200);
    expectError(await api("GET", "/room/rooms", { token: u.token }), 401, "unauthorized");
    expect((await api("GET", "/room/rooms", { token: res.body.access_token })).status).toBe(200);
    expectError(
      await api("POST", "/auth/login", { json: { username: u.username, password: u.password } }),
      401,
      "unauthorized",
    );
    const login = await api("POST", "/auth/login", {
      json: { username: u.username, password: "a brand new secret" },
    });
    expect(login.status).toBe(200);
  });

  it("refuses a wrong current password and a too-short new one", async () => {
    const u = await newUser();
    const wrong = await api("POST", "/user/update_password", {
      token: u.token,
      json: { current_password: "definitely wrong", new_password: "a brand new secret" },
    });
    expectError(wrong, 400, "wrong_password");
    const short = await api("POST", "/user/update_password", {
      token: u.token,
      json: { current_password: u.password, new_password: "short" },
    });
    expectError(short, 422, "validation_error");
    expect((await api("GET", "/room/rooms", { token: u.token })).status).toBe(200);
  });
});
