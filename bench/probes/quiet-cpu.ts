// npx tsx bench/probes/quiet-cpu.ts [--receivers 10] [--messages 500] [--runs 3] [--perf] [--js] [--top 30]
// The room thread's own time for one quiet message (one message at a time, the next as soon as
// the last receiver has it, as the bench's quiet line), on the production-runtime line (plain
// workerd): CPU time of workerd's event-loop thread (the one that runs every object) and of the
// whole process, per message, from /proc/<pid>/task/*/schedstat — figures that hold up on a busy
// machine better than wall clock. `--perf`: the thread's samples grouped by layer and the top
// symbols (bench/lib/perf.ts). `--js`: a V8 profile of the run through the inspector (slows the
// isolate: compare functions within it, not its totals).
import { parseArgs } from "node:util";
import { freePort } from "../../scripts/lib/embedded-pg";
import { processCpuNs as processNs, threadCpuNs as threadNs } from "../lib/cpu";
import { inspector, selfTimes, totalTimes } from "../lib/inspector";
import { layersOf, perfRecord } from "../lib/perf";
import { runProbe } from "../lib/probe";
import { startStack } from "../lib/stack";
import { quantile, quietRun, warmBatchingRoom } from "./quiet-clients";

const { values: flags } = parseArgs({
  options: {
    receivers: { type: "string" },
    messages: { type: "string" },
    runs: { type: "string" },
    perf: { type: "boolean" },
    js: { type: "boolean" },
    top: { type: "string" },
  },
});
const receivers = Number(flags.receivers ?? 10);
const messages = Number(flags.messages ?? 500);
const runs = Number(flags.runs ?? 3);
const top = Number(flags.top ?? 30);

const port = await freePort();
const stack = await startStack(new Set(["roomcast"]), {
  workerdArgs: flags.js ? [`--inspector-addr=127.0.0.1:${port}`] : [],
});
await runProbe(stack, async () => {
  const { pid, sender, rx, body, isAck } = await warmBatchingRoom(stack, receivers);
  for (let r = 0; r < runs; r++) {
    const perf = flags.perf && r === runs - 1 ? await perfRecord(pid) : null;
    const js = flags.js && r === runs - 1 ? await inspector(port) : null;
    await js?.start();
    const [t0, p0] = [threadNs(pid, pid), processNs(pid)];
    const trials = await quietRun(sender, rx, body, isAck, messages, 0);
    const [t1, p1] = [threadNs(pid, pid), processNs(pid)];
    const last = trials.map((t) => t.last);
    console.log(
      `run ${r + 1}: ${messages} quiet messages to ${receivers}: event-loop thread ${((t1 - t0) / 1e3 / messages).toFixed(0)} µs CPU per message, whole workerd ${((p1 - p0) / 1e3 / messages).toFixed(0)} µs; send → last receiver p50 ${quantile(last, 0.5).toFixed(2)} ms, p90 ${quantile(last, 0.9).toFixed(2)} ms`,
    );
    if (perf) {
      const data = await perf.stop();
      const { cpuSeconds, byLayer, symbols } = layersOf(data, top);
      console.log(`perf (${data}): ${((cpuSeconds * 1e6) / messages).toFixed(0)} µs sampled per message`);
      for (const [layer, pct] of [...byLayer].sort((a, b) => b[1] - a[1]))
        console.log(
          `  ${pct.toFixed(1)}%  ${(((pct / 100) * (cpuSeconds * 1e6)) / messages).toFixed(0)} µs  ${layer}`,
        );
      for (const [sym, pct] of symbols) console.log(`    ${pct.toFixed(2)}%  ${sym}`);
    }
    if (js) {
      const profile = await js.stop();
      js.close();
      const fmt = (rows: Array<[string, number]>) =>
        rows.slice(0, top).map(([k, us]) => `    ${(us / messages).toFixed(1)} µs  ${k}`);
      console.log("JS self time per message:", ["", ...fmt(selfTimes(profile))].join("\n"));
      console.log("JS total time per message:", ["", ...fmt(totalTimes(profile))].join("\n"));
    }
  }
  for (const c of [sender, ...rx]) c.ws.close();
});
