import { describe, expect, it } from "vitest";
import { api, expectError, type Message, newAdmin, roomWithMember } from "./helpers";
import { connect } from "./socket";

type ErrorWithDetails = { error: { code: string; message: string; details?: Record<string, string> } };

const send = (token: string, roomId: number, content: string) =>
  api<Message>("POST", `/message/rooms/${roomId}/messages`, { token, json: { content } });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("slow mode", () => {
  it("one message per user per N seconds, on REST and sockets alike, with retry_after; admins exempt", async () => {
    const { owner, member, room } = await roomWithMember();
    const set = await api("PUT", `/room/${room.id}/moderation/slow-mode`, {
      token: owner.token,
      json: { seconds: 2 },
    });
    expect(set.body).toEqual({ room_id: room.id, slow_mode_seconds: 2 });
    expect((await send(member.token, room.id, "one")).status).toBe(201);
    const again = await send(member.token, room.id, "two");
    expectError(again, 429, "slow_mode");
    const retryAfter = Number(again.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(2);
    // The socket shares the same clock: the REST send counts.
    const { socket } = await connect(room.id, member.token);
    socket.send({ type: "message.send", content: "three", client_id: "s1" });
    const err = await socket.next("error");
    expect(err).toMatchObject({ code: "slow_mode", client_id: "s1" });
    expect(err.retry_after_ms).toBeGreaterThan(0);
    expect(err.retry_after_ms).toBeLessThanOrEqual(2000);
    // The owner is exempt.
    for (const text of ["a", "b", "c"]) expect((await send(owner.token, room.id, text)).status).toBe(201);
    await sleep(err.retry_after_ms ?? 2000);
    socket.send({ type: "message.send", content: "four", client_id: "s2" });
    expect(await socket.next("ack")).toMatchObject({ client_id: "s2" });
    // Off again: no wait.
    await api("PUT", `/room/${room.id}/moderation/slow-mode`, { token: owner.token, json: { seconds: 0 } });
    expect((await send(member.token, room.id, "five")).status).toBe(201);
  });

  it("only the room's admins set it", async () => {
    const { member, room } = await roomWithMember();
    expectError(
      await api("PUT", `/room/${room.id}/moderation/slow-mode`, {
        token: member.token,
        json: { seconds: 5 },
      }),
      403,
      "forbidden",
    );
  });
});

describe("timed mutes", () => {
  it("a muted user reads but cannot write until the time named, applied at once to an open socket", async () => {
    const { owner, member, room } = await roomWithMember();
    const { socket } = await connect(room.id, member.token);
    socket.send({ type: "message.send", content: "before", client_id: "b" });
    await socket.next("ack");
    const mute = await api<{ until: string }>("PUT", `/room/${room.id}/moderation/mutes/${member.id}`, {
      token: owner.token,
      json: { seconds: 2, reason: "cool off" },
    });
    expect(mute.status).toBe(200);
    const until = mute.body.until;
    socket.send({ type: "message.send", content: "during", client_id: "d" });
    const err = await socket.next("error");
    expect(err).toMatchObject({ code: "muted", client_id: "d", message: expect.stringContaining(until) });
    expect(err.retry_after_ms).toBeGreaterThan(0);
    const rest = await send(member.token, room.id, "during rest");
    expectError(rest, 403, "muted");
    expect((rest.body as unknown as ErrorWithDetails).error.details).toEqual({ until });
    // Still reads: history and live events.
    expect((await api("GET", `/message/rooms/${room.id}/messages`, { token: member.token })).status).toBe(
      200,
    );
    await send(owner.token, room.id, "owner speaks");
    expect(await socket.next("message")).toMatchObject({ content: "before" });
    expect(await socket.next("message")).toMatchObject({ content: "owner speaks" });
    // Reactions are writes too.
    const m = (await send(owner.token, room.id, "react to me")).body;
    expectError(
      await api("PUT", `/message/rooms/${room.id}/messages/${m.id}/reactions/${encodeURIComponent("👍")}`, {
        token: member.token,
      }),
      403,
      "muted",
    );
    await sleep(Date.parse(until) - Date.now() + 50);
    socket.send({ type: "message.send", content: "after", client_id: "a" });
    expect(await socket.next("ack")).toMatchObject({ client_id: "a" });
  });

  it("lifting a mute applies at once; the list shows running mutes", async () => {
    const { owner, member, room } = await roomWithMember();
    await api("PUT", `/room/${room.id}/moderation/mutes/${member.id}`, {
      token: owner.token,
      json: { seconds: 600 },
    });
    const list = await api<Array<{ user_id: number }>>("GET", `/room/${room.id}/moderation/mutes`, {
      token: owner.token,
    });
    expect(list.body.map((m) => m.user_id)).toEqual([member.id]);
    expectError(await send(member.token, room.id, "x"), 403, "muted");
    expect(
      (await api("DELETE", `/room/${room.id}/moderation/mutes/${member.id}`, { token: owner.token })).status,
    ).toBe(204);
    expect((await send(member.token, room.id, "x")).status).toBe(201);
    expectError(
      await api("DELETE", `/room/${room.id}/moderation/mutes/${member.id}`, { token: owner.token }),
      404,
      "not_muted",
    );
  });

  it("nobody mutes the owner, a global admin (unless one), or themselves; members cannot mute", async () => {
    const { owner, member, room } = await roomWithMember();
    const admin = await newAdmin();
    const mute = (token: string, userId: number) =>
      api("PUT", `/room/${room.id}/moderation/mutes/${userId}`, { token, json: { seconds: 60 } });
    expectError(await mute(owner.token, owner.id), 409, "cannot_moderate_self");
    expectError(await mute(owner.token, admin.id), 403, "outranked");
    expectError(await mute(admin.token, owner.id), 409, "owner_protected");
    expectError(await mute(member.token, owner.id), 403, "forbidden");
    expect((await mute(admin.token, member.id)).status).toBe(200);
  });
});
