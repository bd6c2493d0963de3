import { describe, expect, it } from "vitest";
import { checkReactionKey } from "./reactions";

const accepted = (key: string) => {
  try {
    return checkReactionKey(key) === key;
  } catch {
    return false;
  }
};

describe("reaction keys", () => {
  it.each(["👍", "👍🏽", "👨‍👩‍👧", "🇩🇪", "❤️", ":tada:", ":+1:", ":thumbs_up-2:"])("accepts %s", (key) => {
    expect(accepted(key)).toBe(true);
  });

  it.each(["", "a", "1", "👍👍", "ok", ":Tada:", "::", ":with space:", "👍 "])("refuses %j", (key) => {
    expect(accepted(key)).toBe(false);
  });

  it("refuses with invalid_reaction (422)", () => {
    expect(() => checkReactionKey("x")).toThrow(
      expect.objectContaining({ code: "invalid_reaction", status: 422 }),
    );
  });
});
