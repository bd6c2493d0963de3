import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { configuredApi } from "./configured";
import {
  api,
  type ErrorBody,
  eventually,
  expectError,
  type MentionsPage,
  type Message,
  newRoom,
  newUser,
  type SearchPage,
  storedMessages,
  unique,
  withTestDb,
} from "./helpers";

// Issue 18, items 5, 7 (mention spam) and 11: search is bounded in terms and time, cursors are
// validated, and a stranger's @mention from a room you never joined does not reach /mentions.

const post = (token: string, roomId: number, content: string) =>
  api<Message>("POST", `/message/rooms/${roomId}/messages`, { token, json: { content } });

describe("search under abuse", () => {
  it("matches terms shorter than 3 characters as whole words only (no ILIKE '%e%' over every row)", async () => {
    const alice = await newUser();
    const room = await newRoom(alice);
    await post(alice.token, room.id, "hello there");
    await post(alice.token, room.id, "e is a letter");
    await eventually(async () => expect((await storedMessages(room.id)).length).toBe(2));
    const q = Array(99).fill("e").join(" ");
    const res = await api<SearchPage>("GET", `/search?room_id=${room.id}&q=${encodeURIComponent(q)}`, {
      token: alice.token,
    });
    expect(res.status).toBe(200);
    expect(res.body.results.map((r) => r.content)).toEqual(["e is a letter"]);
  });

  it("counts each distinct term once and refuses more than 8 with 422 too_many_terms", async () => {
    const alice = await newUser();
    const repeated = Array(30).fill("apple").join(" "); // 179 of the 200 characters q may have
    expect(
      (await api("GET", `/search?q=${encodeURIComponent(repeated)}`, { token: alice.token })).status,
    ).toBe(200);
    const nine = Array.from({ length: 9 }, (_, i) => `word${i}`).join(" ");
    expectError(
      await api("GET", `/search?q=${encodeURIComponent(nine)}`, { token: alice.token }),
      422,
      "too_many_terms",
    );
  });

  it("runs under a statement timeout and answers 503 search_timeout past it", async () => {
    const alice = await newUser();
    const room = await newRoom(alice);
    const tag = unique("fill");
    // 20,000 matching rows straight into PostgreSQL (a room no socket uses).
    await withTestDb((db) =>
      db.execute(sql`
        insert into messages (id, kind, room_id, seq, user_id, content)
        select ${tag} || g, 'message', ${room.id}, g, ${alice.id}, ${tag} || ' filler text number ' || g
        from generate_series(1, 20000) g`),
    );
    const tight = configuredApi({ SEARCH_TIMEOUT_MS: "1" });
    const res = await tight<ErrorBody>("GET", `/search?q=${tag}%20filler`, { token: alice.token });
    expectError(res, 503, "search_timeout");
    // A budget the search can meet answers the same search: the 503 was the budget's. Not the
    // default 3 s, a production figure: a machine running several suites at once (load 15 on 2
    // cores) needs more than that for 20,000 matching rows, and the test is about the budget.
    const roomy = configuredApi({ SEARCH_TIMEOUT_MS: "15000" });
    const page = await roomy<SearchPage>("GET", `/search?q=${tag}%20filler&limit=1`, { token: alice.token });
    expect(page.status).toBe(200);
    expect(page.body.results).toHaveLength(1);
    await withTestDb((db) => db.execute(sql`delete from messages where room_id = ${room.id}`));
  });
});

describe("cursors", () => {
  // A cursor is base64 of "<ms>:<ulid>"; these are well-formed but out of range.
  const forged = [
    btoa(`9007199254740991:01J00000000000000000000000`),
    btoa(`-9007199254740991:01J00000000000000000000000`),
    btoa(`8640000000000001:01J00000000000000000000000`),
    btoa(`1700000000000:not-a-ulid`),
  ];
  it.each(forged)("422 invalid_cursor on /search and /mentions for %s", async (cursor) => {
    const alice = await newUser();
    for (const path of [`/search?q=hello&cursor=${cursor}`, `/mentions?cursor=${cursor}`]) {
      expectError(await api("GET", path, { token: alice.token }), 422, "invalid_cursor");
    }
  });
});

describe("mentions from rooms you are not in", () => {
  it("are not listed in /mentions (a stranger cannot fill it from public rooms)", async () => {
    const victim = await newUser("victim");
    const spammer = await newUser("spammer");
    const friend = await newUser("friend");
    const spam = await newRoom(spammer);
    const shared = await newRoom(friend);
    await api("POST", `/room/${shared.id}/members/join`, { token: victim.token });
    for (let i = 0; i < 5; i++) await post(spammer.token, spam.id, `@${victim.username} buy now ${i}`);
    const real = (await post(friend.token, shared.id, `@${victim.username} lunch?`)).body;
    await eventually(async () => expect((await storedMessages(spam.id)).length).toBe(5));
    await eventually(async () => expect((await storedMessages(shared.id)).length).toBe(1));
    const mine = await api<MentionsPage>("GET", "/mentions", { token: victim.token });
    expect(mine.body.results.map((m) => m.id)).toEqual([real.id]);
  });
});
