import { describe, expect, it } from "vitest";
import { api, eventually, expectError, type Message, newAdmin, newRoom, newUser } from "./helpers";
import { connect } from "./socket";

type Report = {
  id: number;
  message_id: string;
  reporter_id: number | null;
  reported_user_id: number | null;
  reason: string;
  note: string | null;
  status: string;
  message: { content: string | null; deleted: boolean } | null;
};
type Audit = {
  action: string;
  actor_id: number | null;
  target_user_id: number | null;
  target_message_id: string | null;
  details: Record<string, unknown>;
};

const send = async (token: string, roomId: number, content: string) =>
  (await api<Message>("POST", `/message/rooms/${roomId}/messages`, { token, json: { content } })).body;
const report = (
  token: string,
  roomId: number,
  messageId: string,
  body: unknown = { reason: "spam", note: "ads" },
) =>
  api<{ id: number; status: string }>("POST", `/message/rooms/${roomId}/messages/${messageId}/report`, {
    token,
    json: body,
  });
const queue = async (token: string, roomId: number, status = "open") =>
  (await api<Report[]>("GET", `/room/${roomId}/moderation/reports?status=${status}`, { token })).body;
const resolve = (token: string, id: number, body: unknown) =>
  api<{ id: number; status: string }>("POST", `/moderation/reports/${id}/resolve`, { token, json: body });

async function setting() {
  const owner = await newUser("owner");
  const mod = await newUser("mod");
  const author = await newUser("author");
  const reader = await newUser("reader");
  const room = await newRoom(owner);
  for (const u of [mod, author, reader])
    await api("POST", `/room/${room.id}/members/join`, { token: u.token });
  await api("PATCH", `/room/${room.id}/members/${mod.id}`, { token: owner.token, json: { role: "admin" } });
  return { owner, mod, author, reader, room };
}

describe("reports", () => {
  it("any reader reports a message once; the queue is for the room's admins", async () => {
    const { owner, author, reader, room } = await setting();
    const m = await send(author.token, room.id, "buy pills");
    const r = await report(reader.token, room.id, m.id);
    expect(r.status).toBe(201);
    expectError(await report(reader.token, room.id, m.id), 409, "already_reported");
    expectError(await report(author.token, room.id, m.id), 409, "cannot_report_self");
    expectError(await report(reader.token, room.id, "01NOSUCHMESSAGE000000000000"), 404, "message_not_found");
    expectError(await report(reader.token, room.id, m.id, { reason: "filter" }), 422, "validation_error");
    expectError(
      await api("GET", `/room/${room.id}/moderation/reports`, { token: reader.token }),
      403,
      "forbidden",
    );
    const open = await eventually(async () => {
      const q = await queue(owner.token, room.id);
      expect(q[0]?.message).not.toBeNull();
      return q;
    });
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({
      message_id: m.id,
      reporter_id: reader.id,
      reported_user_id: author.id,
      reason: "spam",
      note: "ads",
      message: { content: "buy pills", deleted: false },
    });
  });

  it("the reporter is never revealed to the reported user, even one who moderates the room", async () => {
    const { owner, mod, reader, room } = await setting();
    const m = await send(mod.token, room.id, "an admin's rude message");
    await report(reader.token, room.id, m.id, { reason: "harassment" });
    const seenByMod = await queue(mod.token, room.id);
    expect(seenByMod[0]).toMatchObject({ message_id: m.id, reporter_id: null, reported_user_id: mod.id });
    const seenByOwner = await queue(owner.token, room.id);
    expect(seenByOwner[0]?.reporter_id).toBe(reader.id);
    const audit = (await api<Audit[]>("GET", `/room/${room.id}/moderation/audit`, { token: mod.token })).body;
    const created = audit.find((a) => a.action === "report.create");
    expect(created).toMatchObject({ actor_id: null, target_message_id: m.id });
    expect(JSON.stringify(audit)).not.toContain(`"actor_id":${reader.id}`);
  });

  it("resolve: dismiss, delete (live on sockets), mute, ban; each in the audit log", async () => {
    const { owner, author, reader, room } = await setting();
    const watch = await connect(room.id, reader.token);
    const [a, b, c, d] = [
      await send(author.token, room.id, "a"),
      await send(author.token, room.id, "b"),
      await send(author.token, room.id, "c"),
      await send(author.token, room.id, "d"),
    ];
    const ids: number[] = [];
    for (const m of [a, b, c, d]) ids.push((await report(reader.token, room.id, m.id)).body.id);
    expectError(await resolve(reader.token, ids[0] ?? 0, { action: "dismiss" }), 403, "forbidden");
    expect((await resolve(owner.token, ids[0] ?? 0, { action: "dismiss" })).body.status).toBe("dismissed");
    expectError(await resolve(owner.token, ids[0] ?? 0, { action: "dismiss" }), 409, "report_resolved");
    expect((await resolve(owner.token, ids[1] ?? 0, { action: "delete" })).body.status).toBe("deleted");
    expect(await watch.socket.next("message.deleted")).toMatchObject({ message_id: b.id, user_id: owner.id });
    expect((await resolve(owner.token, ids[2] ?? 0, { action: "mute", mute_seconds: 600 })).body.status).toBe(
      "muted",
    );
    expectError(
      await api("POST", `/message/rooms/${room.id}/messages`, {
        token: author.token,
        json: { content: "x" },
      }),
      403,
      "muted",
    );
    expect((await resolve(owner.token, ids[3] ?? 0, { action: "ban" })).body.status).toBe("banned");
    expectError(
      await api("GET", `/message/rooms/${room.id}/messages`, { token: author.token }),
      403,
      "banned",
    );
    const audit = (
      await api<Audit[]>("GET", `/room/${room.id}/moderation/audit?limit=100`, { token: owner.token })
    ).body;
    const actions = audit.map((x) => x.action);
    for (const action of ["report.resolve", "message.delete", "mute.create", "user.ban"])
      expect(actions).toContain(action);
    expect(
      audit
        .filter((x) => x.action === "report.resolve")
        .map((x) => x.details.action)
        .sort(),
    ).toEqual(["ban", "delete", "dismiss", "mute"]);
    expect(await queue(owner.token, room.id)).toEqual([]);
    watch.socket.close();
  });

  it("global admins see every room's queue and audit log", async () => {
    const admin = await newAdmin();
    const { author, reader, room } = await setting();
    const m = await send(author.token, room.id, "x");
    await report(reader.token, room.id, m.id);
    const all = (
      await api<Report[]>("GET", "/moderation/reports?status=open&limit=100", { token: admin.token })
    ).body;
    expect(all.map((r) => r.message_id)).toContain(m.id);
    expectError(await api("GET", "/moderation/reports", { token: reader.token }), 403, "forbidden");
    expect((await api("GET", "/moderation/audit", { token: admin.token })).status).toBe(200);
    expectError(await api("GET", "/moderation/audit", { token: reader.token }), 403, "forbidden");
  });
});
