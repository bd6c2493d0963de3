// npx tsx bench/probes/profile-fanout.ts [--receivers 10] [--messages 3000] [--deflate] [--plain]
// Where the room's CPU goes during a fan-out burst on the production-runtime line (plain workerd):
// `perf record` on the workerd process for exactly the burst (first send to last delivery), then
// the samples grouped by layer, as CPU µs per message. Needs `perf` (linux-perf) and root or
// kernel.perf_event_paranoid ≤ 1.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { closeClients, openClients, send, waitDelivered } from "../lib/load";
import { startStack } from "../lib/stack";
import { fmt } from "../lib/stats";

const { values: flags } = parseArgs({
  options: {
    receivers: { type: "string" },
    messages: { type: "string" },
    deflate: { type: "boolean" },
    // Receivers without batches (one frame per event), as the bench's roomcast-1by1 line.
    plain: { type: "boolean" },
  },
});
const receivers = Number(flags.receivers ?? 10);
const messages = Number(flags.messages ?? 3000);
const deflate = Boolean(flags.deflate);
const HZ = 999;

/** Layers, matched in order against `dso symbol`; the first match wins. */
const LAYERS: Array<[string, RegExp]> = [
  ["zlib (permessage-deflate)", /deflate|inflate|zlib|crc32|adler32|longest_match/i],
  ["SQLite (Durable Object storage)", /sqlite|Sqlite/],
  ["kernel: network, syscalls, scheduling", /^\[kernel/],
  [
    "WebSocket, HTTP and pipes (kj, hyper)",
    /WebSocket|kj_hyper|hyper::|HttpService|Http[A-Z]|AsyncPipe|Pump/,
  ],
  ["memory allocation (tcmalloc)", /tcmalloc|TCMalloc/],
  ["JavaScript (V8 builtins, JIT code)", /\bBuiltins_|\[unknown\]|\bJIT\b|perf-\d+\.map/],
  ["V8 runtime and garbage collection", /v8::|cppgc::|\bv8_/],
  ["event loop, promises, isolate lock (kj, tokio)", /kj::|kj_rs|tokio|IoContext|InputGate|OutputGate/],
  ["workerd API and JS glue (jsg)", /workerd::/],
  ["libc (memcpy and the like)", /libc\.so|libstdc|libm\.so/],
];

const plain = Boolean(flags.plain);
const stack = await startStack(new Set([plain ? "roomcast-1by1" : "roomcast"]));
let perf: ChildProcess | null = null;
try {
  const server = stack.ws[0];
  // This stack's own workerd, by the pid it was started with (other clones may run bench workerds).
  const pid = String(stack.pids.roomcast ?? "");
  if (!server || !pid) throw new Error("no workerd");
  const room = await server.newRoom();
  const load = await openClients(
    stack.procs,
    [
      { endpoint: room.endpoint(0), senderId: 0 },
      ...Array.from({ length: receivers }, (_, i) => ({ endpoint: room.endpoint(i + 1), senderId: null })),
    ],
    deflate,
  );
  // A warm-up burst, so that the profile holds the steady state and not compilation.
  const sender = load.children[0];
  if (!sender) throw new Error("no load process");
  await send(sender, 200, null);
  await waitDelivered(load, 200 * (receivers + 1), 60_000);

  const data = path.join(mkdtempSync(path.join(os.tmpdir(), "roomcast-perf-")), "perf.data");
  perf = spawn("perf", ["record", "-F", String(HZ), "-g", "-p", pid, "-o", data], { stdio: "ignore" });
  await new Promise((r) => setTimeout(r, 500));
  const { firstAt } = await send(sender, messages, null);
  const done = await waitDelivered(load, (200 + messages) * (receivers + 1), 120_000);
  perf.kill("SIGINT");
  await new Promise((r) => perf?.once("exit", r));
  const seconds = (done.lastReceiveAt - firstAt) / 1000;
  await closeClients(load);

  // Self time per symbol (no call graph): `perf report` prints "percent dso symbol" lines.
  const report = execFileSync(
    "perf",
    [
      "report",
      "-i",
      data,
      "--no-children",
      "--sort",
      "dso,sym",
      "--stdio",
      "-g",
      "none",
      "--percent-limit",
      "0",
    ],
    { maxBuffer: 64 * 2 ** 20 },
  ).toString();
  // perf's default event here is cpu-clock, whose event count is CPU time in nanoseconds.
  const cpuNs = Number(report.match(/# Event count \(approx\.\): (\d+)/)?.[1] ?? Number.NaN);
  const byLayer = new Map<string, number>();
  for (const line of report.split("\n")) {
    const m = line.match(/^\s+([\d.]+)%\s+(.*)$/);
    if (!m?.[1] || !m[2]) continue;
    const layer = LAYERS.find(([, re]) => re.test(m[2] ?? ""))?.[0] ?? "other";
    byLayer.set(layer, (byLayer.get(layer) ?? 0) + Number(m[1]));
  }
  const cpuSeconds = cpuNs / 1e9;
  console.log(
    `\nfan-out to ${receivers}, ${messages} messages${deflate ? ", clients offering permessage-deflate" : ""}: ` +
      `${fmt(messages / seconds)} msgs/s; workerd CPU ${fmt(cpuSeconds, 2)} s = ${fmt((cpuSeconds * 1e6) / messages)} µs per message (sampled at ${HZ} Hz)\n`,
  );
  console.log("| layer | share of workerd CPU | µs per message |\n|---|---|---|");
  for (const [layer, pct] of [...byLayer].sort((a, b) => b[1] - a[1]))
    console.log(`| ${layer} | ${fmt(pct, 1)} % | ${fmt((pct / 100) * ((cpuSeconds * 1e6) / messages))} |`);
  console.log(`\nperf data: ${data} (perf report -i ${data})`);
} finally {
  perf?.kill("SIGINT");
  await stack.stop();
  process.exit(0);
}
