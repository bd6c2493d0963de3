// npx tsx bench/probes/cpu-per-message.ts [--receivers 10] [--messages 2000] [--runs 3] [--modes batch,plain] [--idle] [--with-copy]
// The room's cost per message on the production-runtime line (plain workerd), measured in a way
// that holds up on a busy machine: the workerd process's CPU time (summed over its threads, from
// /proc/<pid>/task/*/schedstat, in ns), its instructions and its fsync calls (`perf stat`, when
// it can run), around a fixed burst of M messages from 1 sender to R receivers, after a warm-up.
// Wall time is printed too but is only meaningful on an idle machine. Every burst's deliveries
// are checked (every receiver gets every message exactly once, in order), so a figure never comes
// from a lossy run. `--idle`: instead, one message at a time into a quiet room (20 a second),
// send-to-receipt latency at every receiver, p50 / p99. `--with-copy`: the window ends when
// PostgreSQL holds the whole burst, not at the last delivery: the copy to PostgreSQL runs on the
// room's thread and lags the fan-out by up to its 1-s pacing, so without this a faster run leaves
// more of its copy outside the window and reads cheaper per message (one more source of spread).
import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";
import { processCpuNs as cpuNs } from "../lib/cpu";
import { closeClients, collect, send, verdict, waitDelivered } from "../lib/load";
import { perfStat } from "../lib/perf-stat";
import { fanOutRoom } from "../lib/probe";
import { startStack, type WsServer } from "../lib/stack";

const { values: flags } = parseArgs({
  options: {
    receivers: { type: "string" },
    messages: { type: "string" },
    runs: { type: "string" },
    modes: { type: "string" },
    perf: { type: "boolean" },
    idle: { type: "boolean" },
    "with-copy": { type: "boolean" },
  },
});
const receivers = Number(flags.receivers ?? 10);
const messages = Number(flags.messages ?? 2000);
const runs = Number(flags.runs ?? 3);
const modes = (flags.modes ?? "batch,plain").split(",") as Array<"batch" | "plain">;
const usePerf = flags.perf !== false;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

const fanOut = (server: WsServer) => fanOutRoom(stack, server, receivers);

const stack = await startStack(new Set(["roomcast", "roomcast-1by1"]));
let pid: string | undefined;
try {
  // This stack's own workerd, by the pid it was started with: other clones on the machine may
  // run bench workerds of their own (picking by name measured theirs, or nothing).
  pid = stack.pids.roomcast ? String(stack.pids.roomcast) : undefined;
  if (!pid) throw new Error("no workerd");
  for (const mode of modes) {
    const server = stack.ws.find((s) => s.name === (mode === "batch" ? "roomcast" : "roomcast-1by1"));
    if (!server) throw new Error(`no server for ${mode}`);
    const rows: Array<{ us: number; insn: number; fsync: number; wall: number }> = [];
    for (let run = 0; run < runs; run++) {
      // A warm-up burst in a room of its own, so that the measured one holds the steady state.
      if (!flags.idle) {
        const warmUp = await fanOut(server);
        await send(warmUp.sender, 200, null);
        await waitDelivered(warmUp.load, 200 * (receivers + 1), 60_000);
        await closeClients(warmUp.load);
      }
      const { room, load, sender } = await fanOut(server);
      if (flags.idle) {
        await send(sender, 100, 20);
        await waitDelivered(load, 100 * (receivers + 1), 60_000);
        const check = await collect(load, { [room.key]: { 0: 100 } });
        const bad = verdict(check, null);
        if (bad.length) throw new Error(`${mode}: ${bad.join("; ")}`);
        const lat = [...check.latencies].sort((a, b) => a - b);
        const q = (p: number) => lat[Math.floor(p * (lat.length - 1))]?.toFixed(2);
        console.log(`${mode}, idle, fan-out to ${receivers}: latency p50 ${q(0.5)} ms, p99 ${q(0.99)} ms`);
        await closeClients(load);
        continue;
      }
      await new Promise((r) => setTimeout(r, 300));
      const perf = usePerf ? perfStat(pid) : null;
      await new Promise((r) => setTimeout(r, 300));
      const before = cpuNs(pid);
      const { firstAt } = await send(sender, messages, null);
      const want = messages * (receivers + 1);
      const done = await waitDelivered(load, want, 300_000);
      const unstored = flags["with-copy"] ? await server.stored(room, messages) : null;
      if (unstored) throw new Error(unstored);
      const after = cpuNs(pid);
      const counters = (await perf?.stop()) ?? {};
      if (done.received < want) throw new Error(`${mode}: ${done.received} of ${want} deliveries`);
      const bad = verdict(await collect(load, { [room.key]: { 0: messages } }), null);
      if (bad.length) throw new Error(`${mode}: ${bad.join("; ")}`);
      await closeClients(load);
      const fsyncs =
        (counters["syscalls:sys_enter_fsync"] ?? 0) + (counters["syscalls:sys_enter_fdatasync"] ?? 0);
      rows.push({
        us: (after - before) / 1000 / messages,
        insn: (counters.instructions ?? Number.NaN) / messages,
        fsync: fsyncs / messages,
        wall: messages / ((done.lastReceiveAt - firstAt) / 1000),
      });
    }
    if (flags.idle) continue;
    const f = (xs: number[], d = 0) => xs.map((x) => x.toFixed(d)).join(" / ");
    console.log(
      `${mode}, fan-out to ${receivers}, ${messages} messages × ${runs}: ` +
        `workerd CPU µs/msg median ${median(rows.map((r) => r.us)).toFixed(0)} (${f(rows.map((r) => r.us))}); ` +
        `instructions/msg ${f(rows.map((r) => r.insn / 1000))} k; fsync/msg ${f(
          rows.map((r) => r.fsync),
          2,
        )}; msgs/s ${f(rows.map((r) => r.wall))}`,
    );
  }
} catch (err) {
  console.error("probe failed:", err);
  process.exitCode = 1;
} finally {
  await stack.stop();
  // The stack's stop can leave the detached workerd running: end ours, by its pid.
  if (pid) spawnSync("kill", [pid]);
  process.exit();
}
