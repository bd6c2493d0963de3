import { describe, expect, it } from "vitest";
import { expectLogs, isExpected } from "./expected-logs";

// The filter test/setup.ts puts on the console: it may only drop what the running test expects.
describe("expected log lines", () => {
  it("drops only lines matching a pattern the running test declared", () => {
    expect(isExpected(["outbox: room 1: copy failed"])).toBe(false);
    expectLogs(/^outbox: room \d+: copy failed/);
    expect(isExpected(["outbox: room 1: copy failed (attempt 1)", new Error("refused")])).toBe(true);
    expect(isExpected(["TypeError: something nobody expected"])).toBe(false);
    expect(isExpected([new Error("outbox: room 1: copy failed")])).toBe(true);
  });

  it("forgets the patterns when the test that declared them ends", () => {
    expect(isExpected(["outbox: room 1: copy failed (attempt 1)"])).toBe(false);
  });
});
