import { describe, expect, it } from "vitest";
import { MAX_MENTIONS_PER_MESSAGE, mentionedNames } from "./mentions";

describe("the @names a text mentions", () => {
  it.each([
    ["hi @Alice and @bob", ["alice", "bob"]],
    ["@alice @ALICE @alice", ["alice"]],
    ["mail me at me@example.com", []],
    ["thanks @bob.", ["bob"]],
    ["@ab is too short, @abc is not", ["abc"]],
    ["(@carol) and @dave-", ["carol", "dave"]],
    ["no mention here", []],
  ])("%s → %o", (text, names) => {
    expect(mentionedNames(text)).toEqual(names);
  });

  it(`stops after ${MAX_MENTIONS_PER_MESSAGE} names`, () => {
    const text = Array.from({ length: 30 }, (_, i) => `@user${i}`).join(" ");
    expect(mentionedNames(text)).toHaveLength(MAX_MENTIONS_PER_MESSAGE);
  });
});
