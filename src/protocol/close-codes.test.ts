import { describe, expect, it } from "vitest";
import { CloseCode, refusalCloseCode } from "./close-codes";

describe("close codes", () => {
  it.each([
    [401, CloseCode.unauthorized],
    [403, CloseCode.forbidden],
    [404, CloseCode.notFound],
    [429, CloseCode.tooManySockets],
    [400, CloseCode.badRequest],
    [409, CloseCode.badRequest],
    [422, CloseCode.badRequest],
  ])("a %i refusal closes with %i", (status, code) => {
    expect(refusalCloseCode(status)).toBe(code);
  });

  it("every code of ours is 4000 + an HTTP status, except the storage failure (1011) and a replay's interruption (1013)", () => {
    const { storageFailure, tryAgainLater, ...refusals } = CloseCode;
    expect(storageFailure).toBe(1011);
    expect(tryAgainLater).toBe(1013);
    for (const code of Object.values(refusals)) expect(code - 4000).toBeGreaterThanOrEqual(400);
  });
});
