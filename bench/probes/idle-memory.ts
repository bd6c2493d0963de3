// npx tsx bench/probes/idle-memory.ts [--sockets 1000] [--rooms 10] [--settle 3] [--idle 15]
//                                     [--lines roomcast,peer,floor,floor-router,floor-attach]
// Idle memory per socket (issue 25), quickly and without the full bench: N idle authenticated
// sockets spread over R rooms, on each server alone, and what they add per socket: resident
// memory (RSS of the whole process, all its threads), the JS heap and workerd's C++ objects on
// V8's heap, and the live JS objects by constructor. Lines:
// - roomcast: `npm start`'s plain workerd, held by the shipped typed client (`RoomSocket`: batches,
//   `sync=1`, protocol v2, the token in the subprotocol), as an app holds them;
// - peer: the Socket.IO + PostgreSQL baseline (bench/baselines/socketio-pg.ts);
// - floor: the runtime's own floor, a Durable Object accepting hibernatable sockets and keeping
//   nothing (probes/floor/floor.js); floor-router: the same behind a pass-through worker, as
//   `npm start` did with its assets router before issue 25; floor-attach: behind the router,
//   with Roomcast's tags and an attachment of its size; floor-worker: the worker accepts the socket
//   itself (no object, not hibernatable).
// Each line: a small warm-up round (N/20 sockets opened and closed), then RSS, N sockets opened,
// `--settle` seconds, RSS; then `--idle` seconds more without traffic (a room object may
// hibernate after 10 s without events) and RSS (each the median of three samples), and for
// workerd what its allocator (tcmalloc) has in use (bench/lib/tcmalloc.ts). Then the same again with heap
// snapshots over the inspector (workerd's `--inspector-addr`, Node's `--inspect`; each starts
// with a full GC) instead of RSS: the live JS objects a socket keeps, connected and idle.
// Figures: docs/ARCHITECTURE.md, "Where the time goes".
import { parseArgs } from "node:util";
import { freePort } from "../../scripts/lib/embedded-pg";
import { type Group, type Heap, heapInspector, type Inspector, targets } from "../lib/heap-inspector";
import { closeClients, openClients, type Placement } from "../lib/load";
import { type Processes, rssKiB } from "../lib/procs";
import { startStack } from "../lib/stack";
import type { Endpoint } from "../lib/targets";
import { tcmallocInUse } from "../lib/tcmalloc";
import { startFloor } from "./floor/start";

const { values: flags } = parseArgs({
  options: {
    sockets: { type: "string" },
    rooms: { type: "string" },
    idle: { type: "string" },
    settle: { type: "string" },
    lines: { type: "string" },
  },
});
const N = Number(flags.sockets ?? 1000);
const R = Number(flags.rooms ?? 10);
const IDLE_S = Number(flags.idle ?? 15);
const SETTLE_S = Number(flags.settle ?? 3);
const LINES = (flags.lines ?? "roomcast,peer,floor,floor-router,floor-attach").split(",");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A server under test: how client `i` of room `r` connects, its process, its inspector. */
type Line = {
  name: string;
  pid: number;
  rooms: () => Promise<Array<(i: number) => Endpoint>>;
  inspectorPort: number;
  /** A workerd process: its allocator's own count is read too (tcmalloc, over gdb). */
  workerd: boolean;
};

/** The heaps and live objects of every isolate of the line (after the snapshot's full GC). */
type Reading = { heaps: Heap[]; objects: Map<string, Group> };

/** Every inspector target of the line (workerd: one per worker; Node: one). */
async function inspectors(line: Line): Promise<Inspector[]> {
  const list = await targets(line.inspectorPort);
  return Promise.all(list.map((_, k) => heapInspector(line.inspectorPort, k)));
}

async function reading(isolates: Inspector[]): Promise<Reading> {
  const objects = new Map<string, Group>();
  const heaps: Heap[] = [];
  for (const i of isolates) {
    for (const g of await i.snapshot()) {
      const sum = objects.get(g.name) ?? { name: g.name, count: 0, bytes: 0 };
      sum.count += g.count;
      sum.bytes += g.bytes;
      objects.set(g.name, sum);
    }
    heaps.push(await i.heap());
  }
  return { heaps, objects };
}

/** The live JS objects that grew between two readings, per socket, largest first. */
function grown(a: Reading, b: Reading, top = 15) {
  return [...b.objects.values()]
    .map((g) => ({
      name: g.name,
      count: g.count - (a.objects.get(g.name)?.count ?? 0),
      bytes: g.bytes - (a.objects.get(g.name)?.bytes ?? 0),
    }))
    .filter((g) => g.bytes > 0)
    .sort((x, y) => y.bytes - x.bytes)
    .slice(0, top)
    .map(
      (g) =>
        `    ${(g.bytes / N).toFixed(0).padStart(6)} B ${(g.count / N).toFixed(2).padStart(7)} ×  ${g.name}`,
    )
    .join("\n");
}

/** The median of three RSS samples a second apart (KiB). */
async function rss(line: Line) {
  const samples: number[] = [];
  for (let k = 0; k < 3; k++) {
    if (k) await sleep(1000);
    samples.push(rssKiB(line.pid));
  }
  return samples.sort((a, b) => a - b)[1] as number;
}

/** Live heap per socket from `a` to `b`, per isolate: JS + embedder bytes. */
function heapPerSocket(a: Reading, b: Reading) {
  return b.heaps
    .map((h, k) => {
      const c = a.heaps[k] ?? h;
      return `${((h.used - c.used) / N).toFixed(0)} + ${((h.embedder - c.embedder) / N).toFixed(0)} B`;
    })
    .join(", ");
}

/** RSS (KiB) and, for workerd, what its allocator has handed out (bytes). */
async function memory(line: Line) {
  const rssNow = await rss(line);
  return { rss: rssNow, native: line.workerd ? await tcmallocInUse(line.pid) : null };
}

/**
 * Two rounds, so that a snapshot's own memory is never in an RSS figure: RSS and the
 * allocator's count (before, connected, idle), then the same sockets again with heap snapshots.
 */
async function measure(procs: Processes, line: Line) {
  const rooms = await line.rooms();
  const placements = (n: number): Placement[] =>
    Array.from({ length: n }, (_, i) => ({
      endpoint: (rooms[i % rooms.length] as (i: number) => Endpoint)(i),
      senderId: null,
    }));
  // A small first round warms the process up (code, caches, the room objects). Small: memory
  // freed by N closed sockets stays with the allocator and would be reused by the next N, so a
  // round of the same size would measure only what that reuse does not cover.
  await closeClients(await openClients(procs, placements(Math.max(20, N / 20)), false));
  await sleep(3000);
  const before = await memory(line);
  let load = await openClients(procs, placements(N), false);
  await sleep(SETTLE_S * 1000);
  const connected = await memory(line);
  await sleep(IDLE_S * 1000);
  const idle = await memory(line);
  await closeClients(load);
  await sleep(3000);
  const isolates = await inspectors(line);
  const names = (await targets(line.inspectorPort)).map((t) => t.id ?? "?").join(", ");
  const r0 = await reading(isolates);
  load = await openClients(procs, placements(N), false);
  await sleep(SETTLE_S * 1000);
  const r1 = await reading(isolates);
  await sleep(IDLE_S * 1000);
  const r2 = await reading(isolates);
  await closeClients(load);
  for (const i of isolates) i.close();
  const kib = (x: number) => `${(x / N).toFixed(1)} KiB`;
  const native = (m: { native: number | null }) =>
    m.native === null || before.native === null ? "?" : kib((m.native - before.native) / 1024);
  console.log(
    `\n${line.name}: ${load.compression.connections} sockets in ${rooms.length} rooms, RSS before ${(before.rss / 1024).toFixed(0)} MiB\n` +
      `  RSS per socket: ${kib(connected.rss - before.rss)} connected (${SETTLE_S} s), ${kib(idle.rss - before.rss)} after ${IDLE_S} s more idle\n` +
      (line.workerd
        ? `  in use by workerd's allocator per socket: ${native(connected)} connected, ${native(idle)} idle\n`
        : "") +
      `  live heap per socket, JS + embedder, per isolate (${names}): connected ${heapPerSocket(r0, r1)}; idle ${heapPerSocket(r0, r2)}\n` +
      `  live JS objects per socket (connected):\n${grown(r0, r1)}\n` +
      `  live JS objects per socket (idle):\n${grown(r0, r2, 8)}`,
  );
}

const ports = { roomcast: await freePort(), peer: await freePort() };
const stack = await startStack(
  new Set(
    LINES.filter((l) => l === "roomcast" || l === "peer").flatMap((l) =>
      l === "roomcast" ? (["roomcast", "roomcast-client"] as const) : (["peer"] as const),
    ),
  ),
  {
    workerdArgs: [`--inspector-addr=127.0.0.1:${ports.roomcast}`],
    nodeFlags: { peer: [`--inspect=127.0.0.1:${ports.peer}`] },
  },
);
const server = (name: string) => stack.ws.find((s) => s.name === name);
const roomsOf = (name: string) => async () => {
  const s = server(name);
  if (!s) throw new Error(`no ${name} line`);
  return Promise.all(Array.from({ length: R }, async () => (await s.newRoom()).endpoint));
};
try {
  for (const name of LINES) {
    if (name === "roomcast" || name === "peer") {
      const pid = stack.pids[name] ?? 0;
      const rooms = roomsOf(name === "roomcast" ? "roomcast-client" : "peer");
      await measure(stack.procs, {
        name,
        pid,
        rooms,
        inspectorPort: ports[name],
        workerd: name === "roomcast",
      });
      continue;
    }
    const inspectorPort = await freePort();
    const floor = await startFloor(stack.procs, {
      router: name === "floor-router" || name === "floor-attach",
      attach: name === "floor-attach",
      direct: name === "floor-worker",
      inspectorPort,
    });
    let next = 0;
    const rooms = async () =>
      Array.from({ length: R }, () => {
        const room = `floor-${++next}`;
        return (): Endpoint => ({ kind: "ceiling", port: floor.port, room });
      });
    await measure(stack.procs, { name, pid: floor.pid, rooms, inspectorPort, workerd: true });
    process.kill(-floor.pid, "SIGTERM");
  }
} finally {
  await stack.stop();
}
