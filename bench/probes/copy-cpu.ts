// npx tsx bench/probes/copy-cpu.ts [--receivers 10] [--messages 5000] [--runs 3]
// The CPU the room's copy to PostgreSQL costs per message, apart from sequencing and fan-out
// (which share the thread with it during a burst, so cpu-per-message.ts cannot tell them apart):
// with the database cut off (the bridge refuses the Neon driver), a burst of M messages from 1
// sender to R receivers is delivered and piles up in the room's storage; then the database comes
// back and the workerd process's CPU time (all threads, /proc/<pid>/task/*/schedstat) is taken
// from that moment until PostgreSQL holds all M, less what the idle process used meanwhile (the
// copy waits for its retry's backoff). The courier is told only after the whole backlog is in,
// so its runs are not counted. Checked: every receiver got every message once, in order, and
// PostgreSQL holds exactly 1..M.
import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";
import { processCpuNs as cpuNs } from "../lib/cpu";
import { closeClients, collect, send, verdict, waitDelivered } from "../lib/load";
import { fanOutRoom, runProbe } from "../lib/probe";
import { startStack } from "../lib/stack";

const { values: flags } = parseArgs({
  options: { receivers: { type: "string" }, messages: { type: "string" }, runs: { type: "string" } },
});
const receivers = Number(flags.receivers ?? 10);
const messages = Number(flags.messages ?? 5000);
const runs = Number(flags.runs ?? 3);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

const stack = await startStack(new Set(["roomcast"]));
const pid = String(stack.pids.roomcast ?? "");
await runProbe(
  stack,
  async () => {
    const server = stack.ws.find((s) => s.name === "roomcast");
    if (!server || !pid) throw new Error("no roomcast workerd");
    const rows: number[] = [];
    for (let run = 0; run < runs; run++) {
      const { room, load, sender } = await fanOutRoom(stack, server, receivers);
      stack.setDatabaseDown(true);
      await send(sender, messages, null);
      const done = await waitDelivered(load, messages * (receivers + 1), 300_000);
      if (done.received < messages * (receivers + 1)) throw new Error(`${done.received} deliveries`);
      const bad = verdict(await collect(load, { [room.key]: { 0: messages } }), null);
      if (bad.length) throw new Error(bad.join("; "));
      await closeClients(load);
      // The idle rate (failed retries back off; sockets closed), then the copy.
      await sleep(2000);
      const idleFrom = cpuNs(pid);
      await sleep(2000);
      const idlePerMs = (cpuNs(pid) - idleFrom) / 2000;
      const before = cpuNs(pid);
      const t0 = Date.now();
      stack.setDatabaseDown(false);
      let why: string | null = "not yet";
      while (why !== null && Date.now() - t0 < 120_000) {
        await sleep(100);
        why = await server.stored(room, messages);
      }
      const spent = cpuNs(pid) - before - idlePerMs * (Date.now() - t0);
      if (why !== null) throw new Error(`PostgreSQL: ${why}`);
      rows.push(spent / 1000 / messages);
      // The courier is told after the copy: its run must be over before the next run cuts the
      // database (else it retries through that run's windows and lands in one of them).
      await sleep(6000);
      console.log(
        `run ${run + 1}: copy ${(spent / 1000 / messages).toFixed(1)} µs/msg (${Date.now() - t0} ms to store)`,
      );
    }
    console.log(
      `copy to PostgreSQL, ${messages} messages × ${runs}: workerd CPU µs/msg median ${median(rows).toFixed(1)} (${rows.map((r) => r.toFixed(1)).join(" / ")})`,
    );
  },
  () => {
    if (pid) spawnSync("kill", [pid]);
  },
);
