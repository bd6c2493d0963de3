import { describe, expect, it } from "vitest";
import { z } from "zod";
import { MessageSchema } from "../src/routes/schemas";
import { api, block, newRoom, newUser, postAs, type TestUser } from "./helpers";

// The room serializes a history page itself and the worker answers that text as it is
// (src/room/timeline/history.ts): nothing on that path parses it, so this checks that the text
// is what the OpenAPI description says (strictly: no field more, e.g. no frame `type`).
const Page = z.array(MessageSchema.strict());

async function page(who: TestUser, roomId: number, query = "") {
  const res = await api<unknown[]>("GET", `/message/rooms/${roomId}/messages${query}`, { token: who.token });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  const parsed = Page.safeParse(res.body);
  expect(parsed.error?.issues ?? []).toEqual([]);
  return parsed.data ?? [];
}

describe("a history page as the room serializes it", () => {
  it("matches the Message schema with reactions, thread counters, a reply's preview and a deletion", async () => {
    const alice = await newUser("alice");
    const bob = await newUser("bob");
    const room = await newRoom(alice);
    await api("POST", `/room/${room.id}/members/join`, { token: bob.token });
    const root = (await postAs(alice, room.id, "root")).body;
    const path = `/message/rooms/${room.id}/messages`;
    await api("POST", path, { token: bob.token, json: { content: "a reply", reply_to: root.id } });
    await api("PUT", `${path}/${root.id}/reactions/${encodeURIComponent("👍")}`, { token: bob.token });
    const gone = (await postAs(bob, room.id, "soon gone")).body;
    await api("DELETE", `${path}/${gone.id}`, { token: bob.token });

    const rows = await page(alice, room.id);
    expect(rows.map((m) => m.content)).toEqual(["root", "a reply", null]);
    expect(rows[0]).toMatchObject({ reply_count: 1, reactions: [{ key: "👍", count: 1, me: false }] });
    expect(rows[1]?.parent).toMatchObject({ id: root.id, deleted: false });
    expect(rows[2]).toMatchObject({ deleted: true, attachments: [] });
    expect((await page(alice, room.id, "?limit=1&before=2")).map((m) => m.content)).toEqual(["root"]);
  });

  it("leaves out a blocked author's messages, hides what replies quote of them, and still matches the schema", async () => {
    const alice = await newUser("alice");
    const bob = await newUser("bob");
    const room = await newRoom(alice);
    await api("POST", `/room/${room.id}/members/join`, { token: bob.token });
    await postAs(alice, room.id, "one");
    const two = (await postAs(bob, room.id, "two")).body;
    await api("POST", `/message/rooms/${room.id}/messages`, {
      token: alice.token,
      json: { content: "three", reply_to: two.id },
    });
    expect((await block(alice, bob)).status).toBe(204);
    const seen = await page(alice, room.id);
    expect(seen.map((m) => m.content)).toEqual(["one", "three"]);
    // What the reply quotes of Bob is hidden too (no author, no text).
    expect(seen[1]?.parent).toMatchObject({ id: two.id, user_id: null, excerpt: null, hidden: true });
    expect((await page(bob, room.id)).map((m) => m.content)).toEqual(["one", "two", "three"]);
  });

  it("a thread page is serialized by the room too: it matches the schema, a blocked replier left out", async () => {
    const alice = await newUser("alice");
    const bob = await newUser("bob");
    const carol = await newUser("carol");
    const room = await newRoom(alice);
    for (const u of [bob, carol]) await api("POST", `/room/${room.id}/members/join`, { token: u.token });
    const path = `/message/rooms/${room.id}/messages`;
    const root = (await postAs(alice, room.id, "root")).body;
    for (const [who, content] of [
      [bob, "from bob"],
      [carol, "from carol"],
    ] as const)
      await api("POST", path, { token: who.token, json: { content, reply_to: root.id } });
    // (`page` reads `/messages` + its query: here the thread's path under it.)
    const thread = `/${root.id}/thread`;
    const all = await page(alice, room.id, thread);
    expect(all.map((m) => m.content)).toEqual(["from bob", "from carol"]);
    expect(all[0]?.parent).toMatchObject({ id: root.id, excerpt: "root", deleted: false });
    expect((await block(alice, bob)).status).toBe(204);
    expect((await page(alice, room.id, thread)).map((m) => m.content)).toEqual(["from carol"]);
    expect((await page(bob, room.id, `${thread}?limit=1`)).map((m) => m.content)).toEqual(["from bob"]);
  });
});
