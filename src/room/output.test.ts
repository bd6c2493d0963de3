import { afterEach, describe, expect, it, vi } from "vitest";
import { BATCH_TAG, RoomOutput } from "./output";

/** A socket as the output sees it: what it was sent, how it was closed. */
function socket() {
  const ws = { sent: [] as string[], closed: null as number | null };
  const api = {
    send: (data: string) => ws.sent.push(data),
    close: (code: number) => {
      ws.closed = code;
    },
  };
  return Object.assign(api, { ws }) as unknown as WebSocket & { ws: typeof ws };
}

/** An output over `sockets` (those in `batching` asked for batches), with a timeline that records commits. */
function output(sockets: WebSocket[], batching: WebSocket[] = []) {
  const log: string[] = [];
  let lost: (err: unknown) => void = () => {};
  let failing = false;
  const timeline = {
    commit: () => {
      log.push("commit");
      if (failing) {
        lost(new Error("disk full"));
        throw new Error("disk full");
      }
    },
    whenLost: (l: (err: unknown) => void) => {
      lost = l;
    },
  };
  const ctx = { getWebSockets: (tag?: string) => (tag === BATCH_TAG ? batching : sockets) };
  const out = new RoomOutput(ctx as DurableObjectState, timeline, { kick: () => log.push("kick") });
  return { out, log, fail: () => (failing = true) };
}

const event = { type: "typing", user: { id: 1, username: "a" } } as const;

describe("the room's output", () => {
  afterEach(() => vi.useRealTimers());

  it("writes what is pending before a frame leaves, then schedules the copy", () => {
    const a = socket();
    const { out, log } = output([a]);
    out.readMarker(1, 5);
    expect(log).toEqual(["commit", "kick"]);
    expect(a.ws.sent).toEqual(['{"type":"read","seq":5}']);
  });

  it("sends a batching socket what one turn produced as one frame, in order", () => {
    vi.useFakeTimers();
    const a = socket();
    const { out } = output([a], [a]);
    out.send(a, event);
    out.send(a, { type: "pong" });
    expect(a.ws.sent).toEqual([]);
    vi.runAllTimers();
    expect(a.ws.sent.map((f) => JSON.parse(f))).toEqual([[event, { type: "pong" }]]);
  });

  it("abandons the queued frames when their events cannot be written, and closes those sockets 1011", () => {
    vi.useFakeTimers();
    const a = socket();
    const b = socket();
    const { out, fail } = output([a, b], [a]);
    out.send(a, event);
    fail();
    expect(() => out.send(b, event)).toThrow("disk full");
    vi.runAllTimers();
    expect([a.ws.sent, a.ws.closed]).toEqual([[], 1011]);
    expect([b.ws.sent, b.ws.closed]).toEqual([[], null]);
  });
});
