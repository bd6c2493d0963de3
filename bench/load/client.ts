// A load-generating process: opens connections for the scenarios (bench/scenarios/*), sends on
// request, and checks every delivery (exactly once, in order) and its latency. Talks over IPC.
import { type Conn, connect, type Delivery, type Endpoint } from "../lib/targets";

export type Command =
  | { cmd: "connect"; endpoints: Endpoint[]; senderIds: Array<number | null>; deflate: boolean }
  | { cmd: "send"; count: number; ratePerSecond: number | null }
  | { cmd: "await"; received: number; timeoutMs: number }
  | { cmd: "status" }
  | { cmd: "report"; expected: Record<string, Record<string, number>>; skip?: number }
  | { cmd: "close" };

/** The reply to `connect`: how many connections opened, and how many negotiated permessage-deflate. */
export type Connected = { ok: "connected"; connections: number; deflate: number };

export type Report = {
  connections: number;
  received: number;
  expected: number;
  lost: number;
  duplicated: number;
  outOfOrder: number;
  seqGaps: number;
  latencies: number[];
  lastReceiveAt: number;
};

const now = () => performance.timeOrigin + performance.now();
const roomKey = (ep: Endpoint) => ("roomId" in ep ? String(ep.roomId) : ep.room);

type Receiver = {
  room: string;
  deliveries: Array<{ s: number; i: number; seq: number | null; lat: number }>;
};

const receivers: Receiver[] = [];
const senders: Array<{ id: number; conn: Conn }> = [];
let received = 0;
let lastReceiveAt = 0;
/** The next message index of this process's senders: it continues across `send` commands. */
let nextIndex = 0;
/** `await` commands waiting for this process's receivers to reach a total. */
let waiters: Array<{ received: number; done: () => void }> = [];

function delivered() {
  received++;
  if (waiters.length === 0) return;
  const due = waiters.filter((w) => w.received <= received);
  waiters = waiters.filter((w) => w.received > received);
  for (const w of due) w.done();
}

function reply(message: unknown) {
  process.send?.(message);
}

process.on("message", async (m: Command) => {
  try {
    if (m.cmd === "connect") {
      const conns = await Promise.all(
        m.endpoints.map((ep) => {
          const r: Receiver = { room: roomKey(ep), deliveries: [] };
          receivers.push(r);
          return connect(ep, m.deflate, (d: Delivery) => {
            const at = now();
            const p = JSON.parse(d.body) as { s: number; i: number; t: number };
            r.deliveries.push({ s: p.s, i: p.i, seq: d.seq, lat: at - p.t });
            lastReceiveAt = at;
            delivered();
          });
        }),
      );
      conns.forEach((conn, k) => {
        const id = m.senderIds[k];
        if (id !== null && id !== undefined) senders.push({ id, conn });
      });
      const connected: Connected = {
        ok: "connected",
        connections: conns.length,
        deflate: conns.filter((c) => c.deflate).length,
      };
      reply(connected);
    } else if (m.cmd === "send") {
      const firstAt = now();
      const interval = m.ratePerSecond ? 1000 / m.ratePerSecond : 0;
      const base = nextIndex;
      nextIndex += m.count;
      for (let i = 0; i < m.count; i++) {
        if (interval > 0) {
          const due = firstAt + i * interval;
          const wait = due - now();
          if (wait > 1) await new Promise((r) => setTimeout(r, wait));
        } else if (i % 200 === 199) {
          await new Promise((r) => setImmediate(r)); // let the socket drain
        }
        for (const s of senders) s.conn.send(JSON.stringify({ s: s.id, i: base + i, t: now() }));
      }
      reply({ ok: "sent", firstAt, lastAt: now() });
    } else if (m.cmd === "await") {
      // Replies once this process's receivers hold `received` deliveries in all (or on timeout).
      await new Promise<void>((done) => {
        if (received >= m.received) return done();
        const timer = setTimeout(done, m.timeoutMs);
        const finish = () => {
          clearTimeout(timer);
          done();
        };
        waiters.push({ received: m.received, done: finish });
      });
      reply({ ok: "awaited", received });
    } else if (m.cmd === "status") {
      reply({ ok: "status", received, lastReceiveAt });
    } else if (m.cmd === "report") {
      reply({ ok: "report", report: check(m.expected, m.skip ?? 0) });
    } else if (m.cmd === "close") {
      for (const s of senders) s.conn.close();
      setTimeout(() => process.exit(0), 200);
    }
  } catch (err) {
    reply({ ok: "error", error: String(err) });
  }
});

/**
 * Every receiver must get, from every sender of its room, messages 0..n-1 exactly once and in
 * order; latencies of messages from `skip` on.
 */
function check(expected: Record<string, Record<string, number>>, skip: number): Report {
  let lost = 0;
  let duplicated = 0;
  let outOfOrder = 0;
  let seqGaps = 0;
  let expectedTotal = 0;
  const latencies: number[] = [];
  for (const r of receivers) {
    const want = expected[r.room] ?? {};
    const next = new Map<number, number>();
    const seen = new Set<string>();
    let prevSeq: number | null = null;
    for (const d of r.deliveries) {
      const key = `${d.s}:${d.i}`;
      if (seen.has(key)) duplicated++;
      seen.add(key);
      if ((next.get(d.s) ?? 0) !== d.i) outOfOrder++;
      next.set(d.s, d.i + 1);
      if (d.seq !== null && prevSeq !== null && d.seq !== prevSeq + 1) seqGaps++;
      prevSeq = d.seq;
      if (d.i >= skip) latencies.push(d.lat); // the first `skip` messages were a warm-up
    }
    for (const [s, n] of Object.entries(want)) {
      expectedTotal += n;
      for (let i = 0; i < n; i++) if (!seen.has(`${s}:${i}`)) lost++;
    }
  }
  // Ship a bounded sample: every k-th latency keeps the distribution's shape.
  const k = Math.max(1, Math.ceil(latencies.length / 20_000));
  return {
    connections: receivers.length,
    received,
    expected: expectedTotal,
    lost,
    duplicated,
    outOfOrder,
    seqGaps,
    latencies: latencies.filter((_, i) => i % k === 0),
    lastReceiveAt,
  };
}
