// npx tsx bench/probes/profile-fanout.ts [--receivers 10] [--messages 3000] [--deflate] [--plain]
// Where the room's CPU goes during a fan-out burst on the production-runtime line (plain workerd):
// `perf record` on the workerd process for exactly the burst (first send to last delivery), then
// the samples grouped by layer, as CPU µs per message. Needs `perf` (linux-perf) and root or
// kernel.perf_event_paranoid ≤ 1.
import { parseArgs } from "node:util";
import { closeClients, openClients, send, waitDelivered } from "../lib/load";
import { layersOf, PERF_HZ, perfRecord } from "../lib/perf";
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
const plain = Boolean(flags.plain);
const stack = await startStack(new Set([plain ? "roomcast-1by1" : "roomcast"]));
let perf: Awaited<ReturnType<typeof perfRecord>> | null = null;
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

  perf = await perfRecord(pid);
  const { firstAt } = await send(sender, messages, null);
  const done = await waitDelivered(load, (200 + messages) * (receivers + 1), 120_000);
  const data = await perf.stop();
  perf = null;
  const seconds = (done.lastReceiveAt - firstAt) / 1000;
  await closeClients(load);

  const { cpuSeconds, byLayer } = layersOf(data);
  console.log(
    `\nfan-out to ${receivers}, ${messages} messages${deflate ? ", clients offering permessage-deflate" : ""}: ` +
      `${fmt(messages / seconds)} msgs/s; workerd CPU ${fmt(cpuSeconds, 2)} s = ${fmt((cpuSeconds * 1e6) / messages)} µs per message (sampled at ${PERF_HZ} Hz)\n`,
  );
  console.log("| layer | share of workerd CPU | µs per message |\n|---|---|---|");
  for (const [layer, pct] of [...byLayer].sort((a, b) => b[1] - a[1]))
    console.log(`| ${layer} | ${fmt(pct, 1)} % | ${fmt((pct / 100) * ((cpuSeconds * 1e6) / messages))} |`);
  console.log(`\nperf data: ${data} (perf report -i ${data})`);
} finally {
  await perf?.stop();
  await stack.stop();
  process.exit(0);
}
