import { describe, expect, it } from "vitest";
import { api, eventually, expectError, type Message, newRoom, newUser, storedMessages } from "./helpers";
import { connect } from "./socket";

const send = async (token: string, roomId: number, content: string) =>
  (await api<Message>("POST", `/message/rooms/${roomId}/messages`, { token, json: { content } })).body;
/** What a reader still sees: deleted messages are tombstones in history, left out here. */
const history = async (token: string, roomId: number) =>
  (await api<Message[]>("GET", `/message/rooms/${roomId}/messages?limit=100`, { token })).body
    .filter((m) => !m.deleted)
    .map((m) => m.content);
const cleanup = (token: string, roomId: number, body: unknown) =>
  api<{ users: number[]; deleted: number; more: boolean }>("POST", `/room/${roomId}/moderation/cleanup`, {
    token,
    json: body,
  });

describe("raid cleanup", () => {
  it("deletes every message of the users who joined after a time, live and across resume", async () => {
    const owner = await newUser("owner");
    const regular = await newUser("regular");
    const room = await newRoom(owner);
    await api("POST", `/room/${room.id}/members/join`, { token: regular.token });
    await send(regular.token, room.id, "hi all");
    const raidStart = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));
    const raiders = [await newUser("raider"), await newUser("raider")];
    for (const r of raiders) await api("POST", `/room/${room.id}/members/join`, { token: r.token });
    for (const r of raiders) for (let i = 0; i < 3; i++) await send(r.token, room.id, `raid ${i}`);
    await send(regular.token, room.id, "what?");
    const watcher = await connect(room.id, regular.token);
    const res = await cleanup(owner.token, room.id, { joined_after: raidStart, since: raidStart });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ deleted: 6, more: false });
    expect(res.body.users.sort()).toEqual(raiders.map((r) => r.id).sort());
    const deletes = await watcher.socket.take(6, "message.deleted");
    expect(deletes.map((d) => d.seq)).toEqual([9, 10, 11, 12, 13, 14]);
    expect(await history(regular.token, room.id)).toEqual(["hi all", "what?"]);
    // A client that saw up to seq 8 catches up on the deletes by resume.
    const { socket, ready } = await connect(room.id, regular.token, { since: 8 });
    expect(ready).toMatchObject({ recovered: true, replay_count: 6 });
    expect((await socket.take(6, "message.deleted")).map((d) => d.user_id)).toEqual(Array(6).fill(owner.id));
    const audit = (
      await api<Array<{ action: string; details: { deleted: number } }>>(
        "GET",
        `/room/${room.id}/moderation/audit`,
        { token: owner.token },
      )
    ).body;
    expect(audit.find((a) => a.action === "cleanup")?.details.deleted).toBe(6);
  });

  it("one user's messages since a time, including those older than the room's cache", async () => {
    const owner = await newUser("owner");
    const spammer = await newUser("spammer");
    const room = await newRoom(owner);
    await api("POST", `/room/${room.id}/members/join`, { token: spammer.token });
    const since = new Date(Date.now() - 1000).toISOString();
    for (let i = 0; i < 8; i++) await send(spammer.token, room.id, `spam ${i}`);
    await send(owner.token, room.id, "keep");
    await eventually(async () => expect(await storedMessages(room.id)).toHaveLength(9));
    const res = await cleanup(owner.token, room.id, { user_id: spammer.id, since });
    expect(res.body).toMatchObject({ users: [spammer.id], deleted: 8, more: false });
    expect(await history(owner.token, room.id)).toEqual(["keep"]);
    expect((await cleanup(owner.token, room.id, { user_id: spammer.id, since })).body.deleted).toBe(0);
  });

  it("is for the room's admins, with exactly one of user_id and joined_after", async () => {
    const owner = await newUser("owner");
    const member = await newUser("member");
    const room = await newRoom(owner);
    await api("POST", `/room/${room.id}/members/join`, { token: member.token });
    const since = new Date().toISOString();
    expectError(await cleanup(member.token, room.id, { user_id: owner.id, since }), 403, "forbidden");
    expectError(await cleanup(owner.token, room.id, { since }), 422, "validation_error");
    expectError(
      await cleanup(owner.token, room.id, { user_id: owner.id, since }),
      409,
      "cannot_moderate_self",
    );
  });
});
