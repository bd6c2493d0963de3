import { describe, expect, it } from "vitest";
import {
  api,
  type ErrorBody,
  eventually,
  type Message,
  newRoom,
  newUser,
  type SearchPage,
  storedMessages,
  unique,
} from "./helpers";

const post = (token: string, roomId: number, content: string) =>
  api<Message>("POST", `/message/rooms/${roomId}/messages`, { token, json: { content } });

/** Searches; results' contents in order (newest first). */
const search = async (token: string, query: Record<string, string | number>) => {
  const qs = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]));
  const res = await api<SearchPage>("GET", `/search?${qs}`, { token });
  expect(res.status).toBe(200);
  return res.body;
};
const contents = (page: SearchPage) => page.results.map((r) => r.content);

describe("search", () => {
  it("finds English, German, Chinese and Japanese text, whole words and parts of words, with highlights", async () => {
    const alice = await newUser("alice");
    const room = await newRoom(alice);
    const tag = unique("t");
    const texts = [
      `${tag} The quarterly release notes are ready`,
      `${tag} Die Straßenbahn fährt heute nicht über die Brücke`,
      `${tag} 我们明天在北京开会讨论预算`,
      `${tag} 東京の天気は晴れです、会議は午後三時から`,
    ];
    for (const t of texts) await post(alice.token, room.id, t);
    await eventually(async () => expect((await storedMessages(room.id)).length).toBe(4));
    const q = (text: string) => search(alice.token, { q: `${tag} ${text}` }).then(contents);

    expect(await q("release")).toEqual([texts[0]]);
    expect(await q("quarter")).toEqual([texts[0]]); // part of a word
    expect(await q("straßenbahn")).toEqual([texts[1]]);
    expect(await q("Brücke")).toEqual([texts[1]]);
    expect(await q("北京")).toEqual([texts[2]]);
    expect(await q("预算")).toEqual([texts[2]]);
    expect(await q("東京")).toEqual([texts[3]]);
    expect(await q("午後三時")).toEqual([texts[3]]);
    expect(await q("nothing-like-this")).toEqual([]);

    const hit = (await search(alice.token, { q: "北京", room_id: room.id })).results[0];
    expect(hit).toBeDefined();
    const [start, end] = hit?.highlights[0] ?? [0, 0];
    expect(hit?.snippet.slice(start, end)).toBe("北京");
  });

  it("searches current text only: edits by their new text, deleted messages never", async () => {
    const alice = await newUser("alice");
    const room = await newRoom(alice);
    const tag = unique("e");
    const edited = (await post(alice.token, room.id, `${tag} original wording`)).body;
    const deleted = (await post(alice.token, room.id, `${tag} doomed wording`)).body;
    await api("PATCH", `/message/rooms/${room.id}/messages/${edited.id}`, {
      token: alice.token,
      json: { content: `${tag} revised wording` },
    });
    await api("DELETE", `/message/rooms/${room.id}/messages/${deleted.id}`, { token: alice.token });
    await eventually(async () => expect((await storedMessages(room.id)).length).toBe(4));
    await eventually(async () => {
      expect(contents(await search(alice.token, { q: `${tag} wording` }))).toEqual([
        `${tag} revised wording`,
      ]);
    });
    expect(contents(await search(alice.token, { q: `${tag} original` }))).toEqual([]);
    expect(contents(await search(alice.token, { q: `${tag} doomed` }))).toEqual([]);
  });

  it("filters by room, author and time, and pages with a cursor", async () => {
    const alice = await newUser("alice");
    const bob = await newUser("bob");
    const one = await newRoom(alice);
    const two = await newRoom(alice);
    const tag = unique("f");
    await post(alice.token, one.id, `${tag} a1`);
    await post(bob.token, one.id, `${tag} b1`);
    const middle = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));
    await post(alice.token, two.id, `${tag} a2`);
    await eventually(async () => {
      expect((await storedMessages(one.id)).length + (await storedMessages(two.id)).length).toBe(3);
    });
    expect(contents(await search(alice.token, { q: tag }))).toEqual([`${tag} a2`, `${tag} b1`, `${tag} a1`]);
    expect(contents(await search(alice.token, { q: tag, room_id: one.id }))).toEqual([
      `${tag} b1`,
      `${tag} a1`,
    ]);
    expect(contents(await search(alice.token, { q: tag, from: bob.id }))).toEqual([`${tag} b1`]);
    expect(contents(await search(alice.token, { q: tag, after: middle }))).toEqual([`${tag} a2`]);
    expect(contents(await search(alice.token, { q: tag, before: middle }))).toEqual([
      `${tag} b1`,
      `${tag} a1`,
    ]);

    const first = await search(alice.token, { q: tag, limit: 2 });
    expect(contents(first)).toEqual([`${tag} a2`, `${tag} b1`]);
    const second = await search(alice.token, { q: tag, limit: 2, cursor: first.next_cursor ?? "" });
    expect(second).toMatchObject({ next_cursor: null });
    expect(contents(second)).toEqual([`${tag} a1`]);
  });

  it("finds nothing in a private room the caller left, or was never in", async () => {
    const alice = await newUser("alice");
    const bob = await newUser("bob");
    const eve = await newUser("eve");
    const room = await newRoom(alice, { kind: "private" });
    await api("POST", `/room/${room.id}/members`, { token: alice.token, json: { user_id: bob.id } });
    const tag = unique("p");
    await post(alice.token, room.id, `${tag} confidential plans`);
    await eventually(async () => expect((await storedMessages(room.id)).length).toBe(1));
    expect(contents(await search(bob.token, { q: `${tag} confidential` }))).toEqual([
      `${tag} confidential plans`,
    ]);
    expect(contents(await search(eve.token, { q: `${tag} confidential` }))).toEqual([]);
    await api("POST", `/room/${room.id}/members/leave`, { token: bob.token });
    expect(contents(await search(bob.token, { q: `${tag} confidential` }))).toEqual([]);
    expect(contents(await search(bob.token, { q: `${tag} confidential`, room_id: room.id }))).toEqual([]);
  });

  it("refuses an empty query and a forged cursor with 422", async () => {
    const alice = await newUser("alice");
    expect((await api("GET", "/search?q=", { token: alice.token })).status).toBe(422);
    expect((await api<ErrorBody>("GET", "/search?q=-x", { token: alice.token })).body.error.code).toBe(
      "empty_query",
    );
    expect(
      (await api<ErrorBody>("GET", "/search?q=x&cursor=@@", { token: alice.token })).body.error.code,
    ).toBe("invalid_cursor");
    expect((await api("GET", "/search?q=x")).status).toBe(401);
  });
});
