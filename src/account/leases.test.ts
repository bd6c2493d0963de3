import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { LEASE_MS, RoomLeases } from "./leases";

/** The object's storage, as the leases use it (one key). */
const kv = (init: Record<string, unknown> = {}) => {
  const m = new Map(Object.entries(init));
  return {
    get: <T>(k: string) => m.get(k) as T | undefined,
    put: (k: string, v: unknown) => void m.set(k, v),
    m,
  };
};

beforeEach(() => vi.useFakeTimers({ now: 1_000_000 }));
afterEach(() => vi.useRealTimers());

/** Runs `end` to completion under fake timers; how long it took (fake ms). */
async function timed(p: () => Promise<void>) {
  const start = Date.now();
  let done = false;
  const run = p().then(() => {
    done = true;
  });
  while (!done) await vi.advanceTimersByTimeAsync(100);
  await run;
  return Date.now() - start;
}

describe("RoomLeases", () => {
  it("tells every room still leased, and returns as soon as they answered", async () => {
    const leases = new RoomLeases(kv());
    const far = Date.now() + 60_000;
    expect(leases.grant(1, far)).toBe(LEASE_MS);
    leases.grant(2, far);
    vi.advanceTimersByTime(LEASE_MS + 1);
    leases.grant(3, far); // 1 and 2 expired meanwhile: only 3 is told
    const told: number[] = [];
    expect(await timed(() => leases.end(async (id) => void told.push(id)))).toBeLessThan(200);
    expect(told).toEqual([3]);
    expect(leases.size).toBe(0);
  });

  it("waits out the lease of a room that fails or does not answer", async () => {
    const leases = new RoomLeases(kv());
    const far = Date.now() + 60_000;
    leases.grant(1, far);
    vi.advanceTimersByTime(1_000);
    leases.grant(2, far);
    const tell = (id: number) =>
      id === 1 ? Promise.reject(new Error("unreachable")) : new Promise(() => {});
    // Room 2's lease ends last: LEASE_MS after its grant, 1 s after room 1's.
    const took = await timed(() => leases.end(tell));
    expect(took).toBeGreaterThanOrEqual(LEASE_MS);
    expect(took).toBeLessThan(LEASE_MS + 200);
  });

  it("never leases beyond what the account's state is trusted for", () => {
    const leases = new RoomLeases(kv());
    expect(leases.grant(1, Date.now() + 1_200)).toBe(1_200);
    expect(leases.grant(1, Date.now())).toBe(0);
  });

  it("started again, waits out what its earlier run may have leased (kept in storage)", async () => {
    const store = kv();
    new RoomLeases(store).grant(7, Date.now() + 60_000);
    const mark = store.m.get("leases_until") as number;
    expect(mark).toBeGreaterThanOrEqual(Date.now() + LEASE_MS);
    const again = new RoomLeases(store);
    const took = await timed(() => again.end(async () => {}));
    expect(took).toBeGreaterThanOrEqual(mark - 1_000_000 - 100);
    // Once past, a change returns at once.
    expect(await timed(() => again.end(async () => {}))).toBeLessThan(200);
  });
});

describe("RoomLeases, a user reading many rooms", () => {
  it("keeps only the live leases of a user who reads room after room", () => {
    const leases = new RoomLeases(kv());
    const far = Date.now() + 3_600_000;
    for (let room = 1; room <= 10_000; room++) {
      leases.grant(room, far);
      vi.advanceTimersByTime(LEASE_MS / 10);
    }
    // Ten grants per lease: about ten live at any time, never thousands.
    expect(leases.size).toBeLessThanOrEqual(64 + 10);
  });
});
