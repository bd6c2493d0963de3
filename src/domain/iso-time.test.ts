import { describe, expect, it } from "vitest";
import { isoTime } from "./iso-time";

describe("isoTime", () => {
  it("writes exactly what Date writes, within a second, across seconds, days and years", () => {
    const times: number[] = [0, -1, -999, -1000, -1001, 1, 9, 10, 99, 100, 999, 1000, 8.64e15, -8.64e15];
    // Runs of times inside one second (the reused prefix), then jumps.
    let t = Date.UTC(2026, 11, 1, 21, 0, 0);
    for (let i = 0; i < 5000; i++) {
      t +=
        i % 7 === 0
          ? Math.floor(Math.random() * 86_400_000 * 400) - 86_400_000 * 200
          : Math.floor(Math.random() * 40);
      times.push(t);
    }
    for (let i = 0; i < 2000; i++) times.push(Math.floor((Math.random() - 0.5) * 2 * 8.64e15));
    for (const ms of times) expect(isoTime(ms)).toBe(new Date(ms).toISOString());
  });

  it("leaves fractions and invalid times to Date", () => {
    expect(isoTime(1500.7)).toBe(new Date(1500.7).toISOString());
    expect(isoTime(-0.5)).toBe(new Date(-0.5).toISOString());
    expect(isoTime(-1)).toBe("1969-12-31T23:59:59.999Z");
    expect(() => isoTime(Number.NaN)).toThrow(RangeError);
    expect(isoTime(8.64e15)).toBe(new Date(8.64e15).toISOString());
    expect(() => isoTime(8.64e15 + 1)).toThrow(RangeError);
    expect(isoTime(-8.64e15 + 1)).toBe(new Date(-8.64e15 + 1).toISOString());
    expect(() => isoTime(-8.64e15 - 1)).toThrow(RangeError);
  });
});
