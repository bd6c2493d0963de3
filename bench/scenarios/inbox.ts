// The inbox: a room of N members whose user channels (/ws/me) are all connected, one sender.
// Measured, for the same room size and the same paced sends: how long until every member's channel
// has the new head (p50/p99 of one delivery, and of "every member has it"), deliveries/s, and the
// room's own cost per message (saturation rate of the sender with the channels connected vs a
// room of the same size with none); beside the room-socket fan-out to N sockets. Checked: no
// channel event lost or reordered, heads in room order, counts exact at the end.
import WebSocket from "ws";
import type { InboxRow, Outcome } from "../lib/results";
import type { InboxKit } from "../lib/stack";
import { latency } from "../lib/stats";
import { type RunContext, sleep } from "./context";

type Head = { type: string; seq: number; room_id: number; room_seq: number; unread_count: number };
type Channel = { ws: WebSocket; userId: number; heads: Array<{ head: Head; at: number }>; seqs: number[] };

const wsUrl = (base: string, path: string) => `${base.replace(/^http/, "ws")}${path}`;

/** Opens one socket and resolves on its first frame (`ready`); frames after it go to `onFrame`. */
function open(url: string, token: string, onFrame: (f: Head, at: number) => void): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, ["roomcast.v1", `bearer.${token}`]);
    let ready = false;
    ws.on("message", (data) => {
      const at = performance.now();
      const parsed = JSON.parse(String(data)) as Head | Head[];
      for (const f of Array.isArray(parsed) ? parsed : [parsed]) {
        if (!ready && f.type === "ready") {
          ready = true;
          resolve(ws);
        } else onFrame(f, at);
      }
    });
    ws.on("error", reject);
    ws.on("close", (code) => !ready && reject(new Error(`closed ${code} before ready`)));
  });
}

/** Opens sockets `batch` at a time (each inbox reads PostgreSQL once when it connects). */
async function inBatches<T>(n: number, batch: number, make: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i += batch) {
    out.push(...(await Promise.all(Array.from({ length: Math.min(batch, n - i) }, (_, j) => make(i + j)))));
  }
  return out;
}

let batches = 0;

/** The sender: `count` messages at `rate` per second (null: back to back), each with a fresh client_id. */
async function sendAll(ws: WebSocket, count: number, rate: number | null) {
  // A client_id used before would be answered with its first ack (idempotency), not sent again.
  const tag = `b${++batches}`;
  const sentAt = new Map<string, number>();
  const ackAt = new Map<number, { sent: number; acked: number }>();
  const acked = new Promise<void>((resolve) => {
    ws.on("message", (data) => {
      const at = performance.now();
      const parsed = JSON.parse(String(data)) as Array<{ type: string; client_id?: string; seq?: number }>;
      for (const f of Array.isArray(parsed) ? parsed : [parsed]) {
        if (f.type !== "ack" || !f.client_id || f.seq === undefined) continue;
        ackAt.set(f.seq, { sent: sentAt.get(f.client_id) ?? at, acked: at });
        if (ackAt.size === count) resolve();
      }
    });
  });
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    if (rate) {
      const due = t0 + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
    }
    sentAt.set(`${tag}-${i}`, performance.now());
    ws.send(JSON.stringify({ type: "message.send", content: `inbox bench ${i}`, client_id: `${tag}-${i}` }));
  }
  await Promise.race([acked, sleep(120_000)]);
  return { ackAt, elapsedMs: performance.now() - t0 };
}

/** Every channel event in order with no gap; heads in room order; the final counts exact. */
function check(channels: Channel[], senderId: number, lastSeq: number, sent: number): string[] {
  const bad: string[] = [];
  for (const c of channels) {
    if (c.seqs.some((s, i) => i > 0 && s !== (c.seqs[i - 1] as number) + 1))
      bad.push(`user ${c.userId}: channel gap`);
    const roomSeqs = c.heads.map((h) => h.head.room_seq);
    if (roomSeqs.some((s, i) => i > 0 && s < (roomSeqs[i - 1] as number)))
      bad.push(`user ${c.userId}: heads reordered`);
    const last = c.heads.at(-1)?.head;
    const unread = c.userId === senderId ? 0 : sent;
    if (!last || last.room_seq !== lastSeq || last.unread_count !== unread)
      bad.push(
        `user ${c.userId}: last head ${JSON.stringify(last)}, expected seq ${lastSeq} unread ${unread}`,
      );
  }
  return bad;
}

/** Per message: when each channel first had a head at or past it; the latencies from its send. */
function deliveries(channels: Channel[], ackAt: Map<number, { sent: number }>) {
  const one: number[] = [];
  const every: number[] = [];
  for (const [seq, { sent }] of ackAt) {
    let worst = 0;
    for (const c of channels) {
      const hit = c.heads.find((h) => h.head.room_seq >= seq);
      if (!hit) continue;
      one.push(hit.at - sent);
      worst = Math.max(worst, hit.at - sent);
    }
    every.push(worst);
  }
  return { one: latency(one), every: latency(every) };
}

export async function inbox(ctx: RunContext, kit: InboxKit, n: number): Promise<Outcome<InboxRow>> {
  const messages = ctx.quick ? 30 : 200;
  const rate = ctx.quick ? 10 : 20;
  const failures: string[] = [];
  const { roomId, users, tokens } = await kit.roomOf(n);
  const channels: Channel[] = await inBatches(n, 50, async (i) => {
    const c: Channel = { ws: null as unknown as WebSocket, userId: users[i] as number, heads: [], seqs: [] };
    c.ws = await open(wsUrl(kit.base, "/ws/me"), tokens[i] as string, (f, at) => {
      c.seqs.push(f.seq);
      if (f.type === "room.head" && f.room_id === roomId) c.heads.push({ head: f, at });
    });
    return c;
  });
  const controlRoomId = await kit.roomWith(users, tokens[0] as string);
  const sender = await open(wsUrl(kit.base, `/ws/${roomId}?batch=1`), tokens[0] as string, () => {});
  const paced = await sendAll(sender, messages, rate);
  await sleep(2000);
  const lastSeq = Math.max(...paced.ackAt.keys());
  failures.push(...check(channels, users[0] as number, lastSeq, messages).slice(0, 5));
  const heads = channels.reduce((sum, c) => sum + c.heads.length, 0);
  const { one, every } = deliveries(channels, paced.ackAt);

  // The room's own cost: back-to-back sends, with every channel connected, then with none.
  const sat = await sendAll(sender, messages, null);
  sender.close();
  for (const c of channels) c.ws.close();
  const control = await open(wsUrl(kit.base, `/ws/${controlRoomId}?batch=1`), tokens[0] as string, () => {});
  const bare = await sendAll(control, messages, null);
  control.close();

  // The same paced sends to N room sockets of a room of the same size.
  const fan = await roomFanout(kit, controlRoomId, tokens.slice(0, n), messages, rate);
  return {
    rows: [
      {
        members: n,
        messages,
        offeredPerSec: rate,
        inbox: { one, every, deliveriesPerSec: (heads * 1000) / paced.elapsedMs, headsPerMember: heads / n },
        roomMsgsPerSec: {
          withChannels: (messages * 1000) / sat.elapsedMs,
          without: (messages * 1000) / bare.elapsedMs,
        },
        fanout: fan,
        integrity: failures.length ? failures.join("; ") : "ok",
      },
    ],
    failures,
  };
}

/** N room sockets, the same paced sends: per-delivery and every-member latency, deliveries/s. */
async function roomFanout(kit: InboxKit, roomId: number, tokens: string[], messages: number, rate: number) {
  const got = tokens.map(() => new Map<number, number>());
  const sockets = await inBatches(tokens.length, 50, (i) =>
    open(wsUrl(kit.base, `/ws/${roomId}?batch=1`), tokens[i] as string, (f, at) => {
      if (f.type === "message") got[i]?.set(f.seq, at);
    }),
  );
  const sender = sockets[0] as WebSocket;
  const start = Math.max(0, ...(got[0]?.keys() ?? []));
  const sent = await sendAll(sender, messages, rate);
  await sleep(1000);
  const one: number[] = [];
  const every: number[] = [];
  for (const [seq, { sent: t }] of sent.ackAt) {
    if (seq <= start) continue;
    const times = got.map((m) => m.get(seq)).filter((x): x is number => x !== undefined);
    one.push(...times.map((x) => x - t));
    every.push(Math.max(...times) - t);
  }
  for (const s of sockets) s.close();
  return { one: latency(one), every: latency(every), deliveriesPerSec: (one.length * 1000) / sent.elapsedMs };
}
