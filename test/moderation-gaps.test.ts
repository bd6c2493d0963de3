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
});
