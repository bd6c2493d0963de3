import { describe, expect, it } from "vitest";
import type { Bindings } from "../src/env";
import { ACCOUNT_RECHECK_MS, accountHolds } from "../src/room/socket/account-check";

type SocketUser = Parameters<typeof accountHolds>[4];

/** An Account stub whose `session` calls the test answers by hand, in any order. */
function handAnswered() {
  const calls: Array<(active: boolean) => void> = [];
  const env = {
    ACCOUNTS: {
      getByName: () => ({
        session: () => new Promise((resolve) => calls.push((active) => resolve({ id: 1, isActive: active }))),
      }),
    },
  } as unknown as Bindings;
  return { env, calls };
}

const ctx = { getWebSockets: () => [] } as unknown as DurableObjectState;
const out = { close: () => {} } as unknown as Parameters<typeof accountHolds>[2];

/** A socket whose last account check is older than the bound: its next frame rechecks. */
function staleSocket() {
  const [, ws] = Object.values(new WebSocketPair());
  if (!ws) throw new Error("no socket");
  const who = {
    user: { id: 1, username: "a" },
    isAdmin: false,
    checkedAt: Date.now() - ACCOUNT_RECHECK_MS - 1,
  };
  return { ws, who };
}

describe("the once-a-minute account recheck of a socket", () => {
  it("frames that arrive during a recheck wait for the same answer: handled in arrival order, asked once", async () => {
    const { env, calls } = handAnswered();
    const { ws, who } = staleSocket();
    const handled: number[] = [];
    const frames = [1, 2, 3].map((n) => {
      const holds = accountHolds(env, ctx, out, ws, who);
      expect(holds).not.toBe(true);
      return Promise.resolve(holds).then((ok) => ok && handled.push(n));
    });
    // Were there a call per frame, answering the last first would hand frame 3 over first.
    for (const answer of [...calls].reverse()) answer(true);
    await Promise.all(frames);
    expect(handled).toEqual([1, 2, 3]);
    expect(calls).toHaveLength(1);
    // Checked now: the next frame is handled at once, without a call.
    const checked: SocketUser = { ...who, checkedAt: Date.now() } as SocketUser;
    expect(accountHolds(env, ctx, out, ws, checked)).toBe(true);
  });

  it("a lapsed account refuses every frame that waited for the recheck", async () => {
    const { env, calls } = handAnswered();
    const { ws, who } = staleSocket();
    const frames = [1, 2].map(() => Promise.resolve(accountHolds(env, ctx, out, ws, who)));
    for (const answer of calls) answer(false);
    expect(await Promise.all(frames)).toEqual([false, false]);
    expect(calls).toHaveLength(1);
  });
});
