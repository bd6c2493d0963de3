import { describe, expect, it } from "vitest";
import type { TimelineEvent } from "../protocol";
import { BATCH_TAG, RoomOutput } from "./output";

// Random operations against a per-socket queue model (the output before shared frames: every
// frame pushed onto each receiver's queue). flushNow runs on held sockets, as replay.ts calls it,
// and in a second run on any socket (the output's contract: a joined batch never goes stale).

type S = WebSocket & { ws: { sent: string[]; closed: number | null; id: number } };

function socket(id: number): S {
  const ws = { sent: [] as string[], closed: null as number | null, id };
  const api = {
    send: (data: string) => {
      if (ws.closed !== null) throw new TypeError("closed");
      ws.sent.push(data);
    },
    close: (code: number) => {
      if (ws.closed !== null) throw new TypeError("already closed");
      ws.closed = code;
    },
  };
  return Object.assign(api, { ws }) as unknown as S;
}

const flat = (s: S) =>
  s.ws.sent.flatMap((f) => {
    const p = JSON.parse(f);
    return Array.isArray(p) ? p : [p];
  });

class Sim {
  private s: number;
  readonly sockets: S[] = [];
  private readonly batching: S[] = [];
  readonly out: RoomOutput;
  readonly model = new Map<S, unknown[]>();
  readonly held = new Set<S>();
  readonly atClose = new Map<S, number>();
  private seq = 0;
  private n = 0;
  private id = 0;
  private failNext = false;
  private lost: (err?: unknown) => void = () => {};
  /** The first seq each socket is sent live (after its accept, or its release from a hold). */
  readonly liveFrom = new Map<S, number>();
  /** What `sentSeq` said a socket that went had been sent, and what it had been sent. */
  readonly departures: Array<{ id: number; from: number; sent: number; seqs: number[] }> = [];

  constructor(
    seed: number,
    private readonly anyFlushNow = false,
  ) {
    this.s = seed >>> 0;
    const ctx = { getWebSockets: (tag?: string) => [...(tag === BATCH_TAG ? this.batching : this.sockets)] };
    const timeline = {
      commit: () => {
        if (!this.failNext) return;
        this.failNext = false;
        this.lost();
        this.seq = this.out.sentSeq;
        throw new Error("disk full");
      },
      whenLost: (l: (err: unknown) => void) => {
        this.lost = l;
      },
    };
    this.out = new RoomOutput(ctx as unknown as DurableObjectState, timeline, { kick: () => {} }, 400);
  }

  r() {
    this.s = (this.s * 1664525 + 1013904223) >>> 0;
    return this.s / 2 ** 32;
  }

  open() {
    return this.sockets.filter((s) => s.ws.closed === null);
  }

  pick() {
    const o = this.open();
    return o.length ? o[Math.floor(this.r() * o.length)] : undefined;
  }

  firstHeld() {
    return [...this.held].find((h) => h.ws.closed === null);
  }

  add() {
    const s = socket(++this.id);
    this.sockets.push(s);
    const batch = this.r() < 0.6;
    if (batch) this.batching.push(s);
    this.model.set(s, []);
    this.liveFrom.set(s, this.seq + 1);
    this.out.accepted(s, batch);
    if (this.r() < 0.3) {
      this.held.add(s);
      this.out.hold(s);
    }
  }

  event() {
    const seq = ++this.seq;
    this.out.event({ type: "message", seq } as unknown as TimelineEvent);
    for (const s of this.open()) if (!this.held.has(s)) this.model.get(s)?.push({ type: "message", seq });
  }

  own(s: S) {
    const n = ++this.n;
    this.out.broadcast([s], JSON.stringify({ type: "pong", n }));
    this.model.get(s)?.push({ type: "pong", n });
  }

  depart(s: S) {
    if (!this.held.has(s)) {
      const seqs = flat(s).flatMap((f) => (f.type === "message" ? [f.seq as number] : []));
      const from = this.liveFrom.get(s) ?? 0;
      this.departures.push({ id: s.ws.id, from, sent: this.out.sentSeq, seqs });
    }
    s.ws.closed = 1000;
    this.sockets.splice(this.sockets.indexOf(s), 1);
    this.held.delete(s);
    this.out.release(s);
    this.out.departed();
  }

  replayStep() {
    const s = this.anyFlushNow ? this.pick() : this.firstHeld();
    if (!s) return;
    if (!this.anyFlushNow || this.r() < 0.5) this.own(s);
    this.out.flushNow(s);
  }

  typing() {
    const n = ++this.n;
    this.out.broadcast(this.open(), JSON.stringify({ type: "typing", n }));
    for (const s of this.open()) this.model.get(s)?.push({ type: "typing", n });
  }

  /** One random operation; true: the caller lets the output flush (the end of a run of code). */
  step(): boolean {
    const x = this.r();
    const s = this.pick();
    if (x < 0.3) this.event();
    else if (x < 0.5) s && this.own(s);
    else if (x < 0.58) this.add();
    else if (x < 0.64) s && this.depart(s);
    else if (x < 0.7) this.replayStep();
    else if (x < 0.75) {
      const h = this.firstHeld();
      if (h) {
        this.held.delete(h);
        this.out.release(h);
        this.liveFrom.set(h, this.seq + 1); // its replay sent it everything so far
      }
    } else if (x < 0.78 && s) {
      this.out.close([s], 4403, "x");
      if (s.ws.closed === 4403) this.atClose.set(s, this.model.get(s)?.length ?? 0);
    } else if (x < 0.8) {
      this.failNext = true;
      return true;
    } else if (x < 0.9) return true;
    else this.typing();
    return false;
  }
}

for (const anyFlushNow of [false, true]) {
  const what = anyFlushNow ? "flushNow on any socket" : "flushNow on held sockets (a replay's)";
  describe(`the room's output against a per-socket queue model, ${what}`, () => {
    for (let seed = 1; seed <= 1000; seed++) {
      it(`seed ${seed}`, async () => {
        const sim = new Sim(seed, anyFlushNow);
        for (let i = 0; i < 3; i++) sim.add();
        for (let i = 0; i < 120; i++) if (sim.step()) await Promise.resolve();
        await Promise.resolve();
        await Promise.resolve();
        for (const [s, want] of sim.model) {
          const got = flat(s);
          // Open: everything, in order. Closed by the room: what was queued before the close.
          // Gone (peer closed): a prefix, in order.
          if (s.ws.closed === null) expect({ id: s.ws.id, got }).toEqual({ id: s.ws.id, got: want });
          else if ((sim.atClose.get(s) ?? -1) >= 0) expect(got).toEqual(want.slice(0, sim.atClose.get(s)));
          else if (s.ws.closed !== 1011) expect(want.slice(0, got.length)).toEqual(got);
        }
        // A socket that went had been sent every event from its first live one to `sentSeq`.
        for (const d of sim.departures) {
          const missing = [];
          for (let q = d.from; q <= d.sent; q++) if (!d.seqs.includes(q)) missing.push(q);
          expect({ ...d, missing }).toMatchObject({ missing: [] });
        }
      });
    }
  });
}
