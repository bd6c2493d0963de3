import { describe, expect, it } from "vitest";
import {
  api,
  type Block,
  block,
  eventually,
  expectError,
  type MentionsPage,
  type Message,
  newAdmin,
  newRoom,
  newUser,
  type PublicUser,
  type SearchPage,
  storedMessages,
  type TestUser,
  type User,
  unblock,
  unique,
} from "./helpers";

const post = (token: string, roomId: number, content: string) =>
  api<Message>("POST", `/message/rooms/${roomId}/messages`, { token, json: { content } });
const directory = (who: TestUser, q: string, extra = "") =>
  api<PublicUser[]>("GET", `/user/search?q=${encodeURIComponent(q)}${extra}`, { token: who.token });

async function signup(username: string, fullName: string) {
  const res = await api<User>("POST", "/user/signup", {
    json: {
      username,
      email: `${username}@example.test`,
      password: "correct horse battery",
      full_name: fullName,
    },
  });
  expect(res.status).toBe(201);
  return res.body;
}

describe("GET /user/me", () => {
  it("answers the caller's own profile", async () => {
    const u = await newUser();
    const res = await api<User>("GET", "/user/me", { token: u.token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: u.id, username: u.username, email: u.email, is_admin: false });
    expectError(await api("GET", "/user/me"), 401, "unauthorized");
  });
});

describe("GET /user/search (the directory)", () => {
  it("finds active users by username or full-name word prefix, with public fields only", async () => {
    const asker = await newUser();
    const stem = unique("zed").toLowerCase();
    const a = await signup(`${stem}_anna`, "Anna Quillfeather");
    const b = await signup(`${stem}_bert`, "Bert Quillon");
    const gone = await signup(`${stem}_gone`, "Gone Quill");
    const admin = await newAdmin();
    expect(
      (await api("PUT", `/user/update/${gone.id}`, { token: admin.token, json: { is_active: false } }))
        .status,
    ).toBe(200);

    const byName = await directory(asker, stem.toUpperCase());
    expect(byName.status).toBe(200);
    expect(byName.body).toEqual([
      { id: a.id, username: a.username, full_name: "Anna Quillfeather" },
      { id: b.id, username: b.username, full_name: "Bert Quillon" },
    ]);
    // A word of the full name, in any case; the deactivated account never appears.
    const byWord = await directory(asker, "quill");
    expect(byWord.body.map((p) => p.id)).toEqual(expect.arrayContaining([a.id, b.id]));
    expect(byWord.body.map((p) => p.id)).not.toContain(gone.id);
    expect(JSON.stringify(byWord.body)).not.toMatch(/email|is_admin|is_active|example\.test/);
    // Paged.
    const page2 = await directory(asker, stem, "&limit=1&offset=1");
    expect(page2.body.map((p) => p.id)).toEqual([b.id]);
    // LIKE wildcards are literal.
    expect((await directory(asker, "%")).body).toEqual([]);
    expectError(await directory(asker, ""), 422, "validation_error");
  });

  it("is limited per user", async () => {
    const u = await newUser();
    const other = await newUser();
    const answers = [];
    for (let i = 0; i < 31; i++) answers.push((await directory(u, "a")).status);
    expect(answers.slice(0, 30).every((s) => s === 200)).toBe(true);
    const refused = await directory(u, "a");
    expectError(refused, 429, "rate_limited");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await directory(other, "a")).status).toBe(200);
  });
});

describe("blocking", () => {
  it("PUT, GET and DELETE /user/blocks are idempotent; self and unknown users are refused", async () => {
    const alice = await newUser();
    const bob = await newUser();
    expect((await block(alice, bob)).status).toBe(204);
    expect((await block(alice, bob)).status).toBe(204);
    const list = await api<Block[]>("GET", "/user/blocks", { token: alice.token });
    expect(list.body).toEqual([
      { user: { id: bob.id, username: bob.username, full_name: null }, created_at: expect.any(String) },
    ]);
    expectError(await block(alice, alice), 422, "cannot_block_self");
    expectError(await api("PUT", "/user/blocks/2147483647", { token: alice.token }), 404, "not_found");
    expect((await unblock(alice, bob)).status).toBe(204);
    expect((await unblock(alice, bob)).status).toBe(204);
    expect((await api<Block[]>("GET", "/user/blocks", { token: alice.token })).body).toEqual([]);
  });

  it("limits blocks and unblocks together per user (BLOCK_CHANGES_PER_MINUTE, 30): 429 before any change", async () => {
    const alice = await newUser();
    const bob = await newUser();
    const carol = await newUser();
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) statuses.push((await (i % 2 ? unblock : block)(alice, bob)).status);
    expect(statuses).toEqual(Array(30).fill(204));
    const refused = await block(alice, carol);
    expectError(refused, 429, "rate_limited");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expectError(await unblock(alice, bob), 429, "rate_limited");
    // Nothing of the refused calls was applied; another user's budget is their own.
    expect((await api<Block[]>("GET", "/user/blocks", { token: alice.token })).body).toEqual([]);
    expect((await block(bob, carol)).status).toBe(204);
  });

  it("a blocked user cannot open a DM with the blocker and hears what a deactivated account's DM answers", async () => {
    const alice = await newUser();
    const bob = await newUser();
    const gone = await newUser();
    const admin = await newAdmin();
    await api("PUT", `/user/update/${gone.id}`, { token: admin.token, json: { is_active: false } });
    await block(alice, bob);
    const refused = await api("POST", `/dm/${alice.id}`, { token: bob.token });
    const inactive = await api("POST", `/dm/${gone.id}`, { token: bob.token });
    expectError(refused, 404, "not_found");
    expect(refused.body).toEqual(inactive.body);
    // The blocker is told why.
    expectError(await api("POST", `/dm/${bob.id}`, { token: alice.token }), 409, "user_blocked");
    await unblock(alice, bob);
    expect((await api("POST", `/dm/${alice.id}`, { token: bob.token })).status).toBe(201);
  });

  it("hides the blocked user's messages from REST history, search and mentions", async () => {
    const alice = await newUser("alice");
    const bob = await newUser("bob");
    const carol = await newUser("carol");
    const room = await newRoom(carol);
    for (const u of [alice, bob]) await api("POST", `/room/${room.id}/members/join`, { token: u.token });
    const word = unique("kiwi");
    await post(carol.token, room.id, `carol says ${word}`);
    await post(bob.token, room.id, `bob says ${word} to @${alice.username}`);
    await post(bob.token, room.id, `bob again @${alice.username}`);
    await eventually(async () => expect(await storedMessages(room.id)).toHaveLength(3));
    const view = async () => {
      const history = await api<Message[]>("GET", `/message/rooms/${room.id}/messages`, {
        token: alice.token,
      });
      const found = await api<SearchPage>("GET", `/search?q=${word}`, { token: alice.token });
      const mentions = await api<MentionsPage>("GET", "/mentions", { token: alice.token });
      return {
        history: history.body.map((m) => m.content),
        search: found.body.results.map((m) => m.content),
        mentions: mentions.body.results.length,
      };
    };
    expect(await view()).toEqual({
      history: [
        `carol says ${word}`,
        `bob says ${word} to @${alice.username}`,
        `bob again @${alice.username}`,
      ],
      search: [`bob says ${word} to @${alice.username}`, `carol says ${word}`],
      mentions: 2,
    });
    await block(alice, bob);
    expect(await view()).toEqual({
      history: [`carol says ${word}`],
      search: [`carol says ${word}`],
      mentions: 0,
    });
    // Bob is not told: he still sees everything as before.
    const his = await api<Message[]>("GET", `/message/rooms/${room.id}/messages`, { token: bob.token });
    expect(his.body).toHaveLength(3);
    await unblock(alice, bob);
    expect((await view()).history).toHaveLength(3);
  });
});
