import { describe, expect, it } from "vitest";
import { api, expectError, type Message, newRoom, newUser } from "./helpers";

const send = (token: string, roomId: number, content: string, extra: Record<string, unknown> = {}) =>
  api<Message>("POST", `/message/rooms/${roomId}/messages`, { token, json: { content, ...extra } });

describe("messages over REST", () => {
  it("sends messages with consecutive seq and lists them oldest first", async () => {
    const alice = await newUser();
    const bob = await newUser();
    const room = await newRoom(alice);
    const first = await send(alice.token, room.id, "hello");
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      room_id: room.id,
      seq: 1,
      user_id: alice.id,
      content: "hello",
      deleted: false,
    });
    await send(bob.token, room.id, "hi alice");
    await send(alice.token, room.id, "how are you");
    const list = await api<Message[]>("GET", `/message/rooms/${room.id}/messages`, { token: bob.token });
    expect(list.status).toBe(200);
    expect(list.body.map((m) => [m.seq, m.content])).toEqual([
      [1, "hello"],
      [2, "hi alice"],
      [3, "how are you"],
    ]);
  });

  it("pages back with before= and forward with after=", async () => {
    const alice = await newUser();
    const room = await newRoom(alice);
    for (let i = 1; i <= 7; i++) await send(alice.token, room.id, `m${i}`);
    const seqs = (r: { body: Array<{ seq: number }> }) => r.body.map((m) => m.seq);
    const latest = await api<Message[]>("GET", `/message/rooms/${room.id}/messages?limit=3`, {
      token: alice.token,
    });
    expect(seqs(latest)).toEqual([5, 6, 7]);
    const back = await api<Message[]>("GET", `/message/rooms/${room.id}/messages?limit=3&before=5`, {
      token: alice.token,
    });
    expect(seqs(back)).toEqual([2, 3, 4]);
    const fwd = await api<Message[]>("GET", `/message/rooms/${room.id}/messages?limit=2&after=5`, {
      token: alice.token,
    });
    expect(seqs(fwd)).toEqual([6, 7]);
  });

  it("gives concurrent sends distinct consecutive seqs", async () => {
    const alice = await newUser();
    const room = await newRoom(alice);
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => send(alice.token, room.id, `c${i}`)),
    );
    expect(results.every((r) => r.status === 201)).toBe(true);
    expect(results.map((r) => r.body.seq).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it("refuses empty, whitespace-only and oversized content, and bad paging", async () => {
    const alice = await newUser();
    const room = await newRoom(alice);
    expectError(await send(alice.token, room.id, ""), 422, "empty_message");
    expectError(await send(alice.token, room.id, "   \n\t"), 422, "empty_message");
    expectError(await send(alice.token, room.id, "x".repeat(4001)), 422, "message_too_long");
    expectError(
      await api("POST", `/message/rooms/${room.id}/messages`, { token: alice.token, json: {} }),
      422,
      "validation_error",
    );
    const url = `/message/rooms/${room.id}/messages`;
    expectError(await api("GET", `${url}?limit=201`, { token: alice.token }), 422, "validation_error");
    expectError(await api("GET", `${url}?before=3&after=1`, { token: alice.token }), 422, "validation_error");
    expect((await api("GET", url, { token: alice.token })).body).toEqual([]);
  });

  it("answers an unknown room with 404, a private room's stranger with 404, and no token with 401", async () => {
    const alice = await newUser();
    const bob = await newUser();
    const hidden = await newRoom(alice, { kind: "private" });
    expectError(await send(alice.token, 999_999, "hello"), 404, "not_found");
    expectError(await send(bob.token, hidden.id, "let me in"), 404, "not_found");
    expectError(
      await api("GET", `/message/rooms/${hidden.id}/messages`, { token: bob.token }),
      404,
      "not_found",
    );
    expectError(
      await api("POST", `/message/rooms/${hidden.id}/messages`, { json: { content: "x" } }),
      401,
      "unauthorized",
    );
  });
});
