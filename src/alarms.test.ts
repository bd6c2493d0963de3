import { afterEach, describe, expect, it, vi } from "vitest";
import { type AlarmStorage, runAlarm, wakeBy } from "./alarms";

/** The alarm as a Durable Object keeps it: one time or none (null inside a run, until set again). */
function storage(at: number | null = null) {
  const s = {
    at,
    getAlarm: async () => s.at,
    setAlarm: async (t: number | Date) => {
      s.at = Number(t);
    },
  };
  return s as typeof s & AlarmStorage;
}

afterEach(() => vi.restoreAllMocks());

describe("wakeBy", () => {
  it("sets the alarm when none is set, moves it earlier, never later", async () => {
    const s = storage();
    await wakeBy(s, 500);
    expect(s.at).toBe(500);
    await wakeBy(s, 900);
    expect(s.at).toBe(500);
    await wakeBy(s, 100);
    expect(s.at).toBe(100);
  });
});

describe("runAlarm", () => {
  it("comes back when the run says, or not at all when it answers null", async () => {
    const s = storage();
    const at = Date.now() + 60_000;
    await runAlarm(s, "t", async () => at, 5000);
    expect(s.at).toBe(at);
    const idle = storage();
    await runAlarm(idle, "t", async () => null, 5000);
    expect(idle.at).toBeNull();
  });

  it("never sets an alarm in the past, and keeps an earlier one set during the run", async () => {
    const s = storage();
    const before = Date.now();
    await runAlarm(s, "t", async () => 0, 5000);
    expect(s.at).toBeGreaterThanOrEqual(before);
    const busy = storage();
    const soon = Date.now() + 10;
    await runAlarm(
      busy,
      "t",
      async () => {
        await busy.setAlarm(soon); // new work arrived meanwhile
        return Date.now() + 60_000;
      },
      5000,
    );
    expect(busy.at).toBe(soon);
  });

  it("after a failure, logs it with the label and comes back after the retry delay", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const s = storage();
    let failures = 0;
    const before = Date.now();
    const fail = async (): Promise<number> => {
      throw new Error("database unreachable");
    };
    await runAlarm(s, "courier: room 7", fail, () => 1000 * ++failures);
    expect(s.at).toBeGreaterThanOrEqual(before + 1000);
    expect(s.at).toBeLessThan(before + 2000);
    expect(log).toHaveBeenCalledWith("courier: room 7: run failed, retrying in 1000 ms", expect.any(Error));
    s.at = null;
    await runAlarm(s, "courier: room 7", fail, () => 1000 * ++failures);
    expect(s.at).toBeGreaterThanOrEqual(before + 2000);
  });
});
