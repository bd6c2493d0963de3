import { describe, expect, it } from "vitest";
import {
  api,
  type ErrorBody,
  eventually,
  expectError,
  type Message,
  newRoom,
  newUser,
  rawPost,
  storedMessages,
} from "./helpers";
import { connect } from "./socket";

/** U+0000 and a lone surrogate: text PostgreSQL cannot store, or no encoder can carry unchanged. */
const NUL = "a\u0000b";
const LONE = "a\ud800b";

describe("text that cannot be stored is refused at the door, never a 500 or a silent change", () => {
  it("refuses a NUL in every text field of every route with 422 invalid_text naming the field", async () => {
    const alice = await newUser();
    const room = await newRoom(alice);
    const t = alice.token;
    const cases: Array<[string, string, Parameters<typeof api>[2]]> = [
      ["POST", "/auth/login", { json: { username: NUL, password: "whatever-long" } }],
      [
        "POST",
        "/user/signup",
        { json: { username: "nul_user", email: "n@example.test", password: "long enough", full_name: NUL } },
      ],
      ["PUT", `/user/update/${alice.id}`, { token: t, json: { full_name: NUL } }],
      ["POST", "/room/", { token: t, json: { name: NUL } }],
      ["POST", "/room/", { token: t, json: { name: "ok", description: NUL } }],
      ["PATCH", `/room/${room.id}`, { token: t, json: { name: NUL } }],
      ["PATCH", `/room/${room.id}`, { token: t, json: { description: NUL } }],
      ["GET", "/room/public?q=%00", { token: t }],
      ["PATCH", `/message/rooms/${room.id}/messages/%00`, { token: t, json: { content: "x" } }],
      ["DELETE", `/message/rooms/${room.id}/messages/%00`, { token: t }],
      ["POST", `/message/rooms/${room.id}/messages`, { token: t, json: { content: NUL } }],
      ["POST", `/message/rooms/${room.id}/messages`, { token: t, json: { content: "x", client_id: NUL } }],
      ["POST", `/message/rooms/${room.id}/messages`, { token: t, json: { content: LONE } }],
    ];
    for (const [method, path, opts] of cases) {
      const res = await api<ErrorBody>(method, path, opts);
      expect({ method, path, status: res.status, code: res.body?.error?.code }).toEqual({
        method,
        path,
        status: 422,
        code: "invalid_text",
      });
    }
    // The OAuth token endpoint answers in RFC 6749's shape, naming the field in the description.
    const form = await rawPost<{ error: string; error_description: string }>(
      "/auth/token",
      "username=a%00b&password=whatever-long",
      "application/x-www-form-urlencoded",
    );
    expect([form.status, form.body.error]).toEqual([400, "invalid_request"]);
    expect(form.body.error_description).toContain("form.username");
    expect(await storedMessages(room.id)).toEqual([]);
  });

  it("refuses NULs and lone surrogates in socket frames with an error frame; nothing is acked or stored", async () => {
    const alice = await newUser();
    const room = await newRoom(alice);
    const { socket } = await connect(room.id, alice.token);
    socket.send(NUL); // plain text
    socket.send({ type: "message.send", content: NUL, client_id: "c1" });
    socket.send({ type: "message.send", content: "fine", client_id: NUL });
    socket.send(`{"type":"message.send","content":"a\\ud800b"}`);
    const errors = await socket.take(4, "error");
    expect(errors.map((e) => e.code)).toEqual([
      "invalid_text",
      "invalid_text",
      "invalid_text",
      "invalid_text",
    ]);
    socket.send({ type: "message.send", content: "fine", client_id: "c2" });
    const ack = await socket.next("ack");
    expect(ack.seq).toBe(1);
    socket.send({ type: "message.edit", message_id: ack.id, content: NUL });
    expect((await socket.next("error")).code).toBe("invalid_text");
    expect(socket.pending("ack")).toEqual([]);
    const rows = await eventually(async () => {
      const r = await storedMessages(room.id);
      expect(r).toHaveLength(1);
      return r;
    });
    expect(rows[0]?.content).toBe("fine");
    socket.close();
  });

  it("keeps what was acked, broadcast and stored byte-identical (astral characters included)", async () => {
    const alice = await newUser();
    const bob = await newUser();
    const room = await newRoom(alice);
    const a = (await connect(room.id, alice.token)).socket;
    const b = (await connect(room.id, bob.token)).socket;
    const text = "emoji 😀 and CJK 漢字 and combining é";
    a.send({ type: "message.send", content: text, client_id: "e1" });
    await a.next("ack");
    expect((await b.next("message")).content).toBe(text);
    const rows = await eventually(async () => {
      const r = await storedMessages(room.id);
      expect(r).toHaveLength(1);
      return r;
    });
    expect(rows[0]?.content).toBe(text);
    const page = await api<Message[]>("GET", `/message/rooms/${room.id}/messages`, { token: bob.token });
    expect(page.body[0]?.content).toBe(text);
    a.close();
    b.close();
  });
});

describe("path and query ids are strict decimal integers", () => {
  it("refuses hex, blanks and exponents instead of reading them as numbers", async () => {
    const alice = await newUser();
    const bob = await newUser();
    const room = await newRoom(alice);
    expect(room.id).toBeGreaterThan(0);
    for (const path of ["/room/0x10", "/room/%20%201", "/room/1e1", "/room/+1", "/room/99999999999"]) {
      const res = await api("GET", path, { token: alice.token });
      expectError(res, 422, "validation_error");
    }
    expectError(
      await api("POST", `/dm/0x${bob.id.toString(16)}`, { token: alice.token }),
      422,
      "validation_error",
    );
    expectError(
      await api("GET", `/message/rooms/${room.id}/messages?limit=0x10`, { token: alice.token }),
      422,
      "validation_error",
    );
    expect((await api("GET", `/room/${room.id}`, { token: alice.token })).status).toBe(200);
  });
});
