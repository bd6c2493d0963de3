import { describe, expect, it } from "vitest";
import { ClientFrame } from "../../protocol";
import { frame, parseFrame } from "./codec";

const MAX = 100;
/** The refusal's code for a frame, or the frame as parsed. */
const parse = (data: string | ArrayBuffer) => {
  try {
    return parseFrame(data, MAX);
  } catch (err) {
    return (err as { code?: string }).code;
  }
};

describe("client frames", () => {
  it("parses every frame type by its schema", () => {
    expect(parse('{"type":"message.send","content":"hi","client_id":"c1"}')).toEqual({
      type: "message.send",
      content: "hi",
      client_id: "c1",
    });
    expect(parse('  {"type":"read","seq":3}')).toEqual({ type: "read", seq: 3 });
    expect(parse('{"type":"ping"}')).toEqual({ type: "ping" });
  });

  it("reads a send with nothing but its text as the schema does, and every other send by the schema", () => {
    const frames = [
      '{"type":"message.send","content":"hi"}',
      '{"content":"hi","type":"message.send"}',
      '{"type":"message.send","content":""}',
      '{"type":"message.send","content":"hi","extra":1}',
      '{"type":"message.send","content":"hi","client_id":""}',
      '{"type":"message.send","content":7}',
      '{"type":"message.send","content":"hi","__proto__":{"x":1}}',
    ];
    for (const f of frames) {
      const schema = ClientFrame.safeParse(JSON.parse(f));
      expect([f, parse(f)]).toEqual([f, schema.success ? schema.data : expect.any(String)]);
    }
  });

  it("takes plain text as a message (clients of the original service send that)", () => {
    expect(parse("hello")).toEqual({ type: "message.send", content: "hello" });
  });

  it.each([
    [new ArrayBuffer(1), "binary_not_supported"],
    ["x".repeat(MAX + 1), "frame_too_large"],
    ["é".repeat(MAX / 2 + 1), "frame_too_large"],
    ["{not json", "invalid_json"],
    ['{"type":"shout"}', "unknown_type"],
    ["{}", "unknown_type"],
    ['{"type":"read","seq":-1}', "invalid_frame"],
    ['{"type":"message.send"}', "invalid_frame"],
    ['{"type":"message.send","content":"a\\u0000b"}', "invalid_text"],
    ["a\u0000b", "invalid_text"],
  ])("refuses %j with %s", (data, code) => {
    expect(parse(data)).toBe(code);
  });

  it("counts the limit in UTF-8 bytes, not characters", () => {
    expect(parse("é".repeat(MAX / 2))).toEqual({ type: "message.send", content: "é".repeat(MAX / 2) });
  });
});

describe("server frames", () => {
  it("serialise as JSON", () => {
    expect(JSON.parse(frame({ type: "read", seq: 4 }))).toEqual({ type: "read", seq: 4 });
  });
});
