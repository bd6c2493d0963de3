import { describe, expect, it } from "vitest";
import {
  api,
  eventually,
  expectError,
  type Message,
  newAdmin,
  newRoom,
  newUser,
  type TestUser,
} from "./helpers";
import { connect } from "./socket";

type Report = { message_id: string; reason: string; reporter_id: number | null; reported_user_id: number };
type Audit = { action: string; actor_id: number | null; target_user_id: number | null; details: unknown };

const addFilter = async (token: string, roomId: number, value: string, action: string) => {
  const res = await api<{ id: number }>("POST", `/room/${roomId}/moderation/filters`, {
    token,
    json: { kind: "word", value, action },
  });
  expect(res.status).toBe(201);
  return res.body;
};
const send = (token: string, roomId: number, content: string) =>
  api<Message>("POST", `/message/rooms/${roomId}/messages`, { token, json: { content } });
const auditLog = async (token: string, roomId: number) =>
  (await api<Audit[]>("GET", `/room/${roomId}/moderation/audit`, { token })).body;

async function roomWith(...names: string[]) {
  const owner = await newUser("owner");
  const room = await newRoom(owner);
  const users: TestUser[] = [];
  for (const n of names) {
    const u = await newUser(n);
    await api("POST", `/room/${room.id}/members/join`, { token: u.token });
    users.push(u);
  }
  return { owner, room, users };
}

describe("moderation gaps", () => {
  it("an edit that hits a flag filter queues a report, as a flagged send does", async () => {
    const { owner, room, users } = await roomWith("member");
    const member = users[0] as TestUser;
    const m = (await send(member.token, room.id, "all clean")).body;
    const f = await addFilter(owner.token, room.id, "scam", "flag");
    const edited = await api<Message>("PATCH", `/message/rooms/${room.id}/messages/${m.id}`, {
      token: member.token,
      json: { content: "now a scam" },
    });
    expect(edited.body.content).toBe("now a scam");
    const queue = await eventually(async () => {
      const q = await api<Report[]>("GET", `/room/${room.id}/moderation/reports`, { token: owner.token });
      expect(q.body).toHaveLength(1);
      return q.body;
    });
    expect(queue[0]).toMatchObject({
      message_id: m.id,
      reason: "filter",
      reporter_id: null,
      reported_user_id: member.id,
    });
    const flagged = (await auditLog(owner.token, room.id)).find((a) => a.action === "filter.flag");
    expect(flagged).toMatchObject({ target_user_id: member.id, details: { filters: [f.id] } });
  });

  it("the hierarchy: owner > room admin > member, global admins above all; refused with stable codes", async () => {
    const { owner, room, users } = await roomWith("member");
    const member = users[0] as TestUser;
    const [a1, a2] = [await newUser("admin1"), await newUser("admin2")];
    for (const a of [a1, a2]) {
      await api("POST", `/room/${room.id}/members`, {
        token: owner.token,
        json: { user_id: a.id, role: "admin" },
      });
    }
    const global = await newAdmin();
    const mute = (by: TestUser, target: TestUser) =>
      api("PUT", `/room/${room.id}/moderation/mutes/${target.id}`, {
        token: by.token,
        json: { seconds: 60 },
      });
    const shadow = (by: TestUser, target: TestUser) =>
      api("PUT", `/room/${room.id}/moderation/shadow-bans/${target.id}`, { token: by.token });
    const cleanup = (by: TestUser, target: TestUser) =>
      api("POST", `/room/${room.id}/moderation/cleanup`, {
        token: by.token,
        json: { user_id: target.id, since: new Date(0).toISOString() },
      });
    // A room admin cannot touch another room admin, the owner or a global admin.
    expectError(await mute(a1, a2), 403, "outranked");
    expectError(await shadow(a1, a2), 403, "outranked");
    expectError(await cleanup(a1, a2), 403, "outranked");
    expectError(await mute(a1, global), 403, "outranked");
    expectError(await mute(a1, owner), 409, "owner_protected");
    expectError(await shadow(global, owner), 409, "owner_protected");
    // Nothing happened to a2: they still write.
    expect((await send(a2.token, room.id, "still here")).status).toBe(201);
    // Those above act.
    expect((await mute(a1, member)).status).toBe(200);
    expect((await mute(owner, a2)).status).toBe(200);
    expect((await shadow(global, a1)).status).toBe(200);
    expectError(await send(a2.token, room.id, "muted now"), 403, "muted");
  });

  it("spaced and repeated letters are caught on REST and sockets; words inside words are not", async () => {
    const { owner, room, users } = await roomWith("member");
    const member = users[0] as TestUser;
    await addFilter(owner.token, room.id, "bad", "block");
    await addFilter(owner.token, room.id, "ass", "mask");
    expectError(await send(member.token, room.id, "so b.a.d"), 422, "message_blocked");
    const { socket } = await connect(room.id, member.token);
    socket.send({ type: "message.send", content: "baaaad", client_id: "s1" });
    expect(await socket.next("error")).toMatchObject({ code: "message_blocked", client_id: "s1" });
    socket.close();
    expect((await send(member.token, room.id, "a classic class, assess it")).body.content).toBe(
      "a classic class, assess it",
    );
    expect((await send(member.token, room.id, "you a s s")).body.content).toBe("you *****");
  });

  it("blocked sends and edits are audited as one entry per user per window, not one per attempt", async () => {
    const { owner, room, users } = await roomWith("spammer", "other");
    const [spammer, other] = users as [TestUser, TestUser];
    const ok = (await send(spammer.token, room.id, "fine")).body;
    const f = await addFilter(owner.token, room.id, "spam", "block");
    for (let i = 0; i < 4; i++)
      expectError(await send(spammer.token, room.id, `spam ${i}`), 422, "message_blocked");
    const { socket } = await connect(room.id, spammer.token);
    for (let i = 0; i < 2; i++) {
      socket.send({ type: "message.send", content: "s p a m", client_id: `b${i}` });
      expect(await socket.next("error")).toMatchObject({ code: "message_blocked" });
    }
    socket.close();
    const edit = await api("PATCH", `/message/rooms/${room.id}/messages/${ok.id}`, {
      token: spammer.token,
      json: { content: "spam" },
    });
    expectError(edit, 422, "message_blocked");
    expectError(await send(other.token, room.id, "SPAM"), 422, "message_blocked");
    const entries = await eventually(async () => {
      const blocked = (await auditLog(owner.token, room.id)).filter((a) => a.action === "filter.block");
      const bySpammer = blocked.find((a) => a.target_user_id === spammer.id);
      expect(bySpammer?.details).toMatchObject({ attempts: 7 });
      expect(blocked).toHaveLength(2);
      return blocked;
    });
    expect(entries.find((a) => a.target_user_id === spammer.id)).toMatchObject({
      actor_id: null,
      details: { attempts: 7, filters: [f.id] },
    });
    expect(entries.find((a) => a.target_user_id === other.id)?.details).toMatchObject({ attempts: 1 });
    expectError(
      await api("GET", `/room/${room.id}/moderation/audit`, { token: other.token }),
      403,
      "forbidden",
    );
  });

  it("a change to the global list reaches loaded rooms at once, on sockets and REST", async () => {
    const global = await newAdmin();
    const { room, users } = await roomWith("member");
    const member = users[0] as TestUser;
    const word = `glob${Date.now().toString(36)}`;
    // The room is loaded and holds a fresh copy of the (empty) global list.
    expect((await send(member.token, room.id, "warm")).status).toBe(201);
    const { socket } = await connect(room.id, member.token);
    const created = await api<{ id: number }>("POST", "/moderation/filters", {
      token: global.token,
      json: { kind: "word", value: word, action: "block" },
    });
    expect(created.status).toBe(201);
    try {
      expectError(await send(member.token, room.id, `a ${word}`), 422, "message_blocked");
      socket.send({ type: "message.send", content: word, client_id: "g1" });
      expect(await socket.next(["error", "ack"])).toMatchObject({ type: "error", code: "message_blocked" });
    } finally {
      await api("DELETE", `/moderation/filters/${created.body.id}`, { token: global.token });
    }
    socket.send({ type: "message.send", content: word, client_id: "g2" });
    expect(await socket.next(["error", "ack"])).toMatchObject({ type: "ack", client_id: "g2" });
    socket.close();
  });
});
