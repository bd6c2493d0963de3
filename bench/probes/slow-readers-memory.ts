// npx tsx bench/probes/slow-readers-memory.ts [--messages 2000] [--readers 10]
// Issue 18's load test: workerd's memory (RSS of the production-runtime line, plain workerd as
// `npm start` runs it) stays bounded with slow readers and with batched replays of large messages.
// 1. Live: R sockets (`batch=1&sync=1`) stop reading (their TCP sockets paused) while one sender
//    posts M messages of 4,000 characters; a reading socket that echoes takes them all.
// 2. Replays: R sockets resume `since=0` over those M messages (≈ M × 4.3 K characters each) and
//    stop reading; then R sockets resume and read (echoing), each getting every message in order.
// Prints RSS before, the peak while it runs (sampled every 100 ms) and after. A paused client
// never sees the server's 4408 close (it waits behind the data it stopped reading), so a slow
// socket's "closed" stays empty here: what shows the bound is the RSS. Figures: docs/ARCHITECTURE.md.
import { parseArgs } from "node:util";
import WebSocket from "ws";
import { startStack } from "../lib/stack";

const { values: flags } = parseArgs({
  options: { messages: { type: "string" }, readers: { type: "string" } },
});
const M = Number(flags.messages ?? 2000);
const R = Number(flags.readers ?? 10);
const text = (i: number) => `${String(i).padStart(5, "0")} ${"x".repeat(3994)}`;

const stack = await startStack(new Set(["roomcast"]));
const server = stack.ws.find((s) => s.name === "roomcast");
if (!server) throw new Error("no roomcast line");
const mib = (kib: number) => (kib / 1024).toFixed(0);

type Client = { ws: WebSocket; seqs: number[]; closed: number | null; chars: number };

/** A raw client: `read: false` pauses its TCP socket after `ready` (a reader that stopped reading). */
function open(endpoint: { port: number; roomId: number; token: string }, query: string, read: boolean) {
  const url = `ws://127.0.0.1:${endpoint.port}/ws/${endpoint.roomId}?token=${endpoint.token}&batch=1&sync=1${query}`;
  const c: Client = { ws: new WebSocket(url), seqs: [], closed: null, chars: 0 };
  return new Promise<Client>((resolve, reject) => {
    c.ws.on("error", reject);
    c.ws.on("close", (code) => {
      c.closed = code;
    });
    c.ws.on("message", (data) => {
      const s = String(data);
      c.chars += s.length;
      const parsed = JSON.parse(s);
      for (const f of Array.isArray(parsed) ? parsed : [parsed]) {
        if (f.type === "ready") {
          if (!read) (c.ws as unknown as { _socket: { pause(): void } })._socket.pause();
          resolve(c);
        }
        if (f.type === "sync") c.ws.send(s);
        if (f.type === "message") c.seqs.push(f.seq);
      }
    });
  });
}

/** Runs `work` while sampling RSS; returns before / peak / after in MiB. */
async function measured(label: string, work: () => Promise<void>) {
  const before = server?.memoryKiB() ?? 0;
  let peak = before;
  const timer = setInterval(() => {
    peak = Math.max(peak, server?.memoryKiB() ?? 0);
  }, 100);
  await work();
  await new Promise((r) => setTimeout(r, 2000));
  clearInterval(timer);
  const after = server?.memoryKiB() ?? 0;
  console.log(`${label}: RSS before ${mib(before)} MiB, peak ${mib(peak)} MiB, after ${mib(after)} MiB`);
}

const until = async (check: () => boolean, ms: number) => {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
};

try {
  const room = await server.newRoom();
  const ep = (i: number) => room.endpoint(i) as { port: number; roomId: number; token: string };
  const sender = await open(ep(0), "", true);
  const reader = await open(ep(1), "", true);
  const slow: Client[] = [];
  await measured(`live: ${R} slow readers, ${M} messages of 4,000 characters`, async () => {
    for (let i = 0; i < R; i++) slow.push(await open(ep(2 + i), "", false));
    for (let i = 1; i <= M; i++) {
      sender.ws.send(JSON.stringify({ type: "message.send", content: text(i), client_id: `m${i}` }));
      if (i % 50 === 0) await until(() => reader.seqs.length >= i - 50, 30_000);
    }
    await until(() => reader.seqs.length >= M, 60_000);
  });
  console.log(
    `  reader got ${reader.seqs.length}/${M}; slow sockets closed: ${slow.map((c) => c.closed).join(",")}`,
  );
  for (const c of slow) c.ws.terminate();

  const stalled: Client[] = [];
  await measured(`replays: ${R} resumes since=0 that stop reading`, async () => {
    for (let i = 0; i < R; i++) stalled.push(await open(ep(2 + i), "&since=0", false));
    await new Promise((r) => setTimeout(r, 3000));
  });
  const readers: Client[] = [];
  await measured(`replays: ${R} resumes since=0 that read`, async () => {
    for (let i = 0; i < R; i++) readers.push(await open(ep(20 + i), "&since=0", true));
    await until(() => readers.every((c) => c.seqs.length >= M), 120_000);
  });
  const whole = readers.filter((c) => c.seqs.length === M && c.seqs.every((s, i) => s === i + 1)).length;
  console.log(
    `  ${whole}/${R} reading resumes got all ${M} in order; stalled ones still open: ${stalled.filter((c) => c.closed === null).length}`,
  );
  for (const c of [...stalled, ...readers, sender, reader]) c.ws.terminate();
} finally {
  await stack.stop();
}
