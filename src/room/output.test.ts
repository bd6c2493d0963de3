import { afterEach, describe, expect, it, vi } from "vitest";
import type { TimelineEvent } from "../protocol";
import { BATCH_TAG, RoomOutput } from "./output";

/** A socket as the output sees it: what it was sent, how it was closed. */
function socket() {
  const ws = { sent: [] as string[], closed: null as number | null };
  const api = {
    // As workerd's: a closed socket's send throws.
    send: (data: string) => {
      if (ws.closed !== null) throw new TypeError("closed");
      ws.sent.push(data);
    },
    close: (code: number) => {
      ws.closed = code;
    },
  };
  return Object.assign(api, { ws }) as unknown as WebSocket & { ws: typeof ws };
}

/** An output over `sockets` (those in `batching` asked for batches), with a timeline that records commits. */
function output(sockets: WebSocket[], batching: WebSocket[] = [], storage?: { sync: () => Promise<void> }) {
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
  // A new list each time, as the runtime's.
  const ctx = { getWebSockets: (tag?: string) => [...(tag === BATCH_TAG ? batching : sockets)], storage };
  const out = new RoomOutput(ctx as DurableObjectState, timeline, { kick: () => log.push("kick") });
  return { out, log, fail: () => (failing = true), recover: () => (failing = false) };
}

const event = { type: "typing", user: { id: 1, username: "a" } } as const;

describe("the room's output", () => {
  afterEach(() => vi.useRealTimers());

  it("writes what is pending before a frame leaves, then schedules the copy", async () => {
    const a = socket();
    const { out, log } = output([a]);
    out.readMarker(1, 5);
    expect([log, a.ws.sent]).toEqual([["kick"], []]);
    await Promise.resolve(); // the end of this run's microtasks
    expect(log).toEqual(["kick", "commit"]);
    expect(a.ws.sent).toEqual(['{"type":"read","seq":5}']);
  });
});

describe("the room's output, batches", () => {
  afterEach(() => vi.useRealTimers());

  it("sends a batching socket what one run produced as one frame, in order; a quiet room's at once", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout"] });
    const a = socket();
    const { out } = output([a], [a]);
    out.send(a, event);
    out.send(a, { type: "pong" });
    expect(a.ws.sent).toEqual([]);
    await Promise.resolve(); // the end of this run's microtasks, no timer
    expect(a.ws.sent.map((f) => JSON.parse(f))).toEqual([[event, { type: "pong" }]]);
  });

  it("while a batch's write is in flight, what follows waits for a timer and leaves together, one commit", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout"] });
    const a = socket();
    let durable = () => {};
    const sync = () => new Promise<void>((r) => (durable = r));
    const { out, log } = output([a], [a], { sync });
    out.send(a, event);
    await Promise.resolve();
    expect(a.ws.sent).toHaveLength(1);
    out.send(a, { type: "pong" });
    out.send(a, event);
    durable();
    await Promise.resolve();
    expect(a.ws.sent).toHaveLength(1); // busy: not before the timer
    log.length = 0;
    vi.runAllTimers();
    expect(log).toEqual(["commit"]);
    expect(a.ws.sent.slice(1).map((f) => JSON.parse(f))).toEqual([[{ type: "pong" }, event]]);
  });

  it("abandons the queued frames when their events cannot be written, and closes those sockets 1011", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout"] });
    const a = socket();
    const b = socket();
    const { out, fail } = output([a, b], [a]);
    out.send(a, event);
    out.send(b, event);
    fail();
    await Promise.resolve();
    vi.runAllTimers();
    expect([a.ws.sent, a.ws.closed]).toEqual([[], 1011]);
    expect([b.ws.sent, b.ws.closed]).toEqual([[], 1011]);
  });
});

describe("the room's output, pace", () => {
  afterEach(() => vi.useRealTimers());

  it("stops waiting once a wait gathers nothing: one message at a time in a busy room leaves at once", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout"] });
    const a = socket();
    const never = () => new Promise<void>(() => {}); // never durable: the room stays busy
    const { out } = output([a], [a], { sync: never });
    const message = (seq: number) => ({ type: "message", seq }) as unknown as TimelineEvent;
    const sent = async (e: TimelineEvent) => {
      out.event(e);
      await Promise.resolve();
      return a.ws.sent.length;
    };
    expect(await sent(message(1))).toBe(1); // quiet: at once
    expect(await sent(message(2))).toBe(1); // busy: waits for the timer…
    vi.runAllTimers();
    expect(a.ws.sent).toHaveLength(2); // …which gathered nothing more
    expect(await sent(message(3))).toBe(3); // so the next leaves at once
    // Every eighth busy flush waits again; when it gathers a burst, the room waits from then on.
    for (let seq = 4; seq <= 9; seq++) expect(await sent(message(seq))).toBe(seq);
    expect(await sent(message(10))).toBe(9);
    out.event(message(11));
    vi.runAllTimers();
    expect(a.ws.sent).toHaveLength(10);
    expect(JSON.parse(a.ws.sent[9] as string)).toHaveLength(2);
    expect(await sent(message(12))).toBe(10);
  });
});

describe("the room's output, a broadcast's batches", () => {
  it("gives each batching socket its own queue's frames, whether or not the previous socket's was the same", async () => {
    const [a, b, c, d] = [socket(), socket(), socket(), socket()];
    const { out } = output([a, b, c, d], [a, b, c, d]);
    const typing = (id: number) => ({ type: "typing", user: { id, username: `u${id}` } }) as const;
    out.broadcast([a, b, c, d], JSON.stringify(typing(1)));
    out.send(c, { type: "pong" });
    out.broadcast([a, b, c, d], JSON.stringify(typing(2)));
    out.send(d, { type: "pong" });
    await Promise.resolve();
    const got = (s: WebSocket & { ws: { sent: string[] } }) => s.ws.sent.map((f) => JSON.parse(f));
    expect(got(a)).toEqual([[typing(1), typing(2)]]);
    expect(got(b)).toEqual([[typing(1), typing(2)]]);
    expect(got(c)).toEqual([[typing(1), { type: "pong" }, typing(2)]]);
    expect(got(d)).toEqual([[typing(1), typing(2), { type: "pong" }]]);
  });
});

const message = (seq: number) => ({ type: "message", seq }) as unknown as TimelineEvent;
const got = (s: WebSocket & { ws: { sent: string[] } }) => s.ws.sent.map((f) => JSON.parse(f));

describe("the room's output, events shared by every socket", () => {
  it("keeps each socket's own frames in place, and a socket accepted later gets only what follows", async () => {
    const [a, b, c, d] = [socket(), socket(), socket(), socket()];
    const sockets = [a, b, c];
    const { out } = output(sockets, [a, b, d]);
    out.event(message(1));
    out.send(a, { type: "pong" });
    out.event(message(2));
    sockets.push(d);
    out.accepted(d, true);
    out.event(message(3));
    out.send(b, { type: "pong" });
    await Promise.resolve();
    const [m1, m2, m3] = [message(1), message(2), message(3)];
    expect(got(a)).toEqual([[m1, { type: "pong" }, m2, m3]]);
    expect(got(b)).toEqual([[m1, m2, m3, { type: "pong" }]]);
    expect(got(c)).toEqual([m1, m2, m3]); // no batches: one frame each, in order
    expect(got(d)).toEqual([m3]);
  });

  it("skips a held socket until it is released, and sends what it had before the hold", async () => {
    const [a, b] = [socket(), socket()];
    const { out } = output([a, b], [a, b]);
    out.event(message(1));
    out.hold(b);
    out.event(message(2));
    out.release(b);
    out.event(message(3));
    await Promise.resolve();
    expect(got(a)).toEqual([[message(1), message(2), message(3)]]);
    expect(got(b)).toEqual([[message(1), message(3)]]);
  });
});

describe("the room's output, events shared by every socket, when one socket leaves the flush", () => {
  it("sends a socket flushed early (a replay) or closed its shared frames once, before what follows", async () => {
    const [a, b, c] = [socket(), socket(), socket()];
    const { out } = output([a, b, c], [a, b, c]);
    out.event(message(1));
    out.flushNow(b);
    out.event(message(2));
    out.close([c], 4403, "forbidden");
    out.event(message(3));
    await Promise.resolve();
    expect(got(a)).toEqual([[message(1), message(2), message(3)]]);
    expect(got(b)).toEqual([message(1), [message(2), message(3)]]);
    expect([got(c), c.ws.closed]).toEqual([[[message(1), message(2)]], 4403]);
  });

  it("counts an event whose write was lost as never sent (`sentSeq`), whatever flushes after it", async () => {
    const [a, b] = [socket(), socket()];
    const { out, fail, recover } = output([a, b]);
    out.event(message(1));
    await Promise.resolve();
    expect(out.sentSeq).toBe(1);
    fail();
    out.event(message(2));
    await Promise.resolve();
    recover();
    // A frame that is no event (a pong, typing) flushes later: seq 2 was never sent to anyone.
    out.send(b, event);
    await Promise.resolve();
    expect(b.ws.closed).toBe(1011);
    expect(out.sentSeq).toBe(1);
  });

  it("abandons shared frames whose events cannot be written, and closes every socket they were for", async () => {
    const [a, b] = [socket(), socket()];
    const { out, fail } = output([a, b], [a]);
    out.event(message(1));
    fail();
    await Promise.resolve();
    expect([a.ws.sent, a.ws.closed]).toEqual([[], 1011]);
    expect([b.ws.sent, b.ws.closed]).toEqual([[], 1011]);
  });
});

describe("the room's output, the shared frames' joined batch after a socket was flushed early", () => {
  it("gives a batching socket every shared event queued after another's flushNow", async () => {
    const [a, b] = [socket(), socket()];
    const { out } = output([a, b], [a, b]);
    out.event(message(1));
    out.flushNow(b); // b takes the shared frames so far: the joined batch of [1] is kept
    out.event(message(2)); // pushed onto the same shared list
    await Promise.resolve();
    expect(got(b)).toEqual([message(1), message(2)]);
    // a takes the whole list at the flush: it must get 1 and 2, not the batch joined before 2.
    expect(got(a)).toEqual([[message(1), message(2)]]);
  });
});
