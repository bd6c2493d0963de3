import { describe, expect, it } from "vitest";
import { closeReply } from "./departure";

describe("answering a peer's close", () => {
  it.each([
    [1000, 1000],
    [1001, 1001],
    [4000, 4000],
    [1005, 1000],
    [1006, null],
    [1015, null],
  ])("close %i is answered with %s", (code, reply) => {
    expect(closeReply(code)).toBe(reply);
  });
});
