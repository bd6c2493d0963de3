import { describe, expect, it } from "vitest";
import type { Attachment } from "../src/protocol";
import { download, expectNoOrphans, uploaded, uploadIds } from "./files";
import { png, text } from "./fixtures/images";
import {
  api,
  type ErrorBody,
  eventually,
  expectError,
  type Message,
  newRoom,
  newUser,
  type SearchPage,
  storedMessages,
  type TestUser,
  unique,
} from "./helpers";
import { connect } from "./socket";

const post = (user: TestUser, roomId: number, body: Record<string, unknown>) =>
  api<Message>("POST", `/message/rooms/${roomId}/messages`, { token: user.token, json: body });

const history = async (user: TestUser, roomId: number) =>
  (await api<Message[]>("GET", `/message/rooms/${roomId}/messages?limit=100`, { token: user.token })).body;

/** A private room of alice's with bob as a member. */
async function roomWithBob() {
  const [alice, bob] = [await newUser("alice"), await newUser("bob")];
  const room = await newRoom(alice, { kind: "private" });
  await api("POST", `/room/${room.id}/members`, { token: alice.token, json: { user_id: bob.id } });
  return { alice, bob, room };
}

const asAttachment = ({ id, name, type, size, width, height }: Attachment) => ({
  id,
  name,
  type,
  size,
  width,
  height,
});

describe("attachments", () => {
  it("a message carries files over REST: the member downloads them, a stranger gets 404", async () => {
    const { alice, bob, room } = await roomWithBob();
    const picture = await uploaded(alice, await png(8, 6), { name: "cat.png" });
    const notes = await uploaded(alice, text("the plan"), { name: "plan.txt" });
    const res = await post(alice, room.id, { content: "", attachments: [picture.id, notes.id] });
    expect(res.status).toBe(201);
    expect(res.body.attachments).toEqual([asAttachment(picture), asAttachment(notes)]);

    const got = await download(bob, picture.id);
    expect([got.status, got.bytes]).toEqual([200, await png(8, 6)]);
    const range = await download(bob, notes.id, { range: "bytes=4-" });
    expect([range.status, new TextDecoder().decode(range.bytes)]).toEqual([206, "plan"]);
    expect((await download(await newUser("eve"), picture.id)).status).toBe(404);
    // Attached, an upload is no longer its uploader's to delete on its own.
    expectError(await api("DELETE", `/files/${picture.id}`, { token: alice.token }), 409, "file_attached");
  });

  it("an upload belongs to exactly one message: a second claim, someone else's upload, a repeat are refused", async () => {
    const { alice, bob, room } = await roomWithBob();
    const up = await uploaded(alice, await png(2, 2));
    expect((await post(alice, room.id, { content: "first", attachments: [up.id] })).status).toBe(201);
    const again = await post(alice, room.id, { content: "second", attachments: [up.id] });
    expectError(again, 422, "attachment_unavailable");
    expect((again.body as unknown as ErrorBody).error.details).toEqual({ ids: [up.id] });
    const mine = await uploaded(bob, await png(1, 1));
    expectError(
      await post(alice, room.id, { content: "x", attachments: [mine.id] }),
      422,
      "attachment_unavailable",
    );
    expectError(
      await post(bob, room.id, { content: "x", attachments: [mine.id, mine.id] }),
      422,
      "duplicate_attachment",
    );
    // All or nothing: a refused claim leaves the good upload free for the next message.
    const free = await uploaded(bob, await png(1, 2));
    expectError(
      await post(bob, room.id, { content: "x", attachments: [free.id, up.id] }),
      422,
      "attachment_unavailable",
    );
    expect((await post(bob, room.id, { content: "y", attachments: [free.id] })).status).toBe(201);
    expect((await history(alice, room.id)).map((m) => m.attachments.length)).toEqual([1, 1]);
  });

  it("two rooms racing for one upload: exactly one message gets it", async () => {
    const alice = await newUser("alice");
    const [r1, r2] = [await newRoom(alice), await newRoom(alice)];
    const up = await uploaded(alice, await png(3, 3));
    const results = await Promise.all([
      post(alice, r1.id, { content: "here", attachments: [up.id] }),
      post(alice, r2.id, { content: "there", attachments: [up.id] }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 422]);
  });

  it("over a socket: acked, broadcast with the files, replayed on resume, kept in history and search", async () => {
    const { alice, bob, room } = await roomWithBob();
    const a = (await connect(room.id, alice.token)).socket;
    const b = (await connect(room.id, bob.token)).socket;
    const up = await uploaded(alice, await png(4, 3), { name: "sunset.png" });
    const word = unique("sunset");
    a.send({ type: "message.send", content: `look ${word}`, client_id: "c1", attachments: [up.id] });
    const ack = await a.next("ack");
    const seen = await b.next("message");
    expect(seen.attachments).toEqual([asAttachment(up)]);
    // A retry of the same send is answered with the first ack, not refused as a second claim.
    a.send({ type: "message.send", content: `look ${word}`, client_id: "c1", attachments: [up.id] });
    expect(await a.next("ack")).toMatchObject({ id: ack.id, duplicate: true });

    const replay = (await connect(room.id, bob.token, { since: ack.seq - 1 })).socket;
    expect((await replay.next("message")).attachments).toEqual([asAttachment(up)]);
    // Pushed out of the room's cache (ROOM_CACHE_EVENTS is 5 in tests): history and resume from PostgreSQL.
    for (let i = 0; i < 7; i++)
      expect((await post(alice, room.id, { content: `filler ${i}` })).status).toBe(201);
    await eventually(async () => expect((await storedMessages(room.id)).length).toBe(8));
    const old = (await history(bob, room.id)).find((m) => m.id === ack.id);
    expect(old?.attachments).toEqual([asAttachment(up)]);
    const far = (await connect(room.id, bob.token, { since: ack.seq - 1 })).socket;
    expect((await far.next("message")).attachments).toEqual([asAttachment(up)]);
    const found = await api<SearchPage>("GET", `/search?q=${word}`, { token: bob.token });
    expect(found.body.results.map((r) => r.attachments)).toEqual([[asAttachment(up)]]);
  });
});

describe("access to an attached file follows the room, live", () => {
  it("a member removed or banned after the upload loses access at once", async () => {
    const { alice, bob, room } = await roomWithBob();
    const carol = await newUser("carol");
    await api("POST", `/room/${room.id}/members`, { token: alice.token, json: { user_id: carol.id } });
    const up = await uploaded(alice, await png(5, 5));
    await post(alice, room.id, { content: "for the team", attachments: [up.id] });
    expect((await download(bob, up.id)).status).toBe(200);
    expect((await download(carol, up.id)).status).toBe(200);

    expect((await api("DELETE", `/room/${room.id}/members/${bob.id}`, { token: alice.token })).status).toBe(
      204,
    );
    expect((await download(bob, up.id)).status).toBe(404);
    expect(
      (await api("POST", `/room/${room.id}/members/${carol.id}/ban`, { token: alice.token })).status,
    ).toBeLessThan(300);
    // In a private room the banned see no room at all, hence no file.
    expect((await download(carol, up.id)).status).toBe(404);
    // A revalidation is checked like any download: a cached copy is not confirmed to them either.
    expect((await download(carol, up.id, { "if-none-match": `"${up.id}"` })).status).toBe(404);
    expect((await download(alice, up.id, { "if-none-match": `"${up.id}"` })).status).toBe(304);
  });
});

describe("files go with their message, room and author", () => {
  it("deleting the message refuses downloads at once and deletes the blobs once the delete is copied", async () => {
    const { alice, bob, room } = await roomWithBob();
    const up = await uploaded(alice, await png(6, 6));
    const sent = await post(alice, room.id, { content: "oops", attachments: [up.id] });
    const del = await api<Message>("DELETE", `/message/rooms/${room.id}/messages/${sent.body.id}`, {
      token: alice.token,
    });
    expect(del.body.attachments).toEqual([]);
    expect((await download(bob, up.id)).status).toBe(404);
    expect((await download(alice, up.id)).status).toBe(404);
    await eventually(async () => expect(await uploadIds()).not.toContain(up.id));
    expect((await history(bob, room.id)).find((m) => m.id === sent.body.id)?.attachments).toEqual([]);
    await expectNoOrphans();
  });

  it("deleting the room deletes every file in it", async () => {
    const { alice, bob, room } = await roomWithBob();
    const ups = [await uploaded(alice, await png(1, 1)), await uploaded(bob, await png(2, 1))];
    await post(alice, room.id, { content: "a", attachments: [ups[0]?.id] });
    await post(bob, room.id, { content: "b", attachments: [ups[1]?.id] });
    expect((await api("DELETE", `/room/${room.id}`, { token: alice.token })).status).toBe(204);
    const left = await uploadIds();
    expect(ups.filter((u) => left.includes(u.id))).toEqual([]);
    await expectNoOrphans();
  });

  it("deleting an account deletes its files: its messages stay, without them", async () => {
    const { alice, bob, room } = await roomWithBob();
    const theirs = await uploaded(bob, await png(2, 2));
    const kept = await uploaded(alice, await png(3, 1));
    const m = await post(bob, room.id, { content: "bye", attachments: [theirs.id] });
    await post(alice, room.id, { content: "hi", attachments: [kept.id] });
    await eventually(async () => expect((await storedMessages(room.id)).length).toBe(2));
    expect((await api("DELETE", `/user/${bob.id}`, { token: bob.token })).status).toBe(204);
    const after = await history(alice, room.id);
    expect(after.find((x) => x.id === m.body.id)).toMatchObject({
      content: "bye",
      user_id: null,
      attachments: [],
    });
    expect(after.find((x) => x.id !== m.body.id)?.attachments).toEqual([asAttachment(kept)]);
    expect((await download(alice, theirs.id)).status).toBe(404);
    await expectNoOrphans();
  });
});
