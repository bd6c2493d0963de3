import { afterEach, describe, expect, it, vi } from "vitest";
import type { Config } from "../../env";
import { TokenBuckets, UserLimits } from "./limits";

describe("token buckets", () => {
  it("allows a burst at once, then refills at the sustained rate", () => {
    const b = new TokenBuckets<string>(2, 3);
    expect([b.take("u", 0), b.take("u", 0), b.take("u", 0)]).toEqual([0, 0, 0]);
    expect(b.take("u", 0)).toBe(500);
    expect(b.take("u", 499)).toBeGreaterThan(0);
    expect(b.take("u", 500)).toBe(0);
  });

  it("never holds more than the burst, however long it waited", () => {
    const b = new TokenBuckets<string>(10, 2);
    b.take("u", 0);
    const later = 3_600_000;
    expect([b.take("u", later), b.take("u", later), b.take("u", later)]).toEqual([0, 0, 100]);
  });

  it("keeps one bucket per key", () => {
    const b = new TokenBuckets<number>(1, 1);
    expect([b.take(1, 0), b.take(2, 0), b.take(1, 0)]).toEqual([0, 0, 1000]);
  });
});

describe("a user's limits in a room", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("refuses with rate_limited and the wait, per kind of action", () => {
    vi.useFakeTimers({ now: 0 });
    const limits = new UserLimits({ WS_SENDS_PER_SECOND: 1, WS_SEND_BURST: 1 } as Config);
    limits.take("write", 7);
    expect(() => limits.take("write", 7)).toThrow(
      expect.objectContaining({ code: "rate_limited", status: 429, retryAfterMs: 1000 }),
    );
    // Another kind of action, and another user, have their own buckets.
    expect(() => limits.take("react", 7)).not.toThrow();
    expect(() => limits.take("write", 8)).not.toThrow();
    vi.advanceTimersByTime(1000);
    expect(() => limits.take("write", 7)).not.toThrow();
  });
});
