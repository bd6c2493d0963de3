// npx tsx bench/probes/rest-rate.ts [--op room] [--seconds 3] [--rounds 6]
// The REST line's throughput for one operation, with longer rounds than `bench/run.ts --quick`
// (1 s rounds there swing ±50 % on a shared machine): 10 concurrent clients (autocannon) on
// plain workerd and on the Fastify + `pg` baseline, taking turns round by round, so each round's
// ratio is a same-moment figure; also the CPU time of each server's process per request (/proc).
// Prints every round, the median ratio (min–max) and the load average before and after; then one
// client at a time, the median latency of the op beside `/health`'s (their difference is what the
// op adds to a request, the part a change to it moves; steadier than the rounds on a busy machine).
import os from "node:os";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { processCpuNs } from "../lib/cpu";
import { runProbe } from "../lib/probe";
import { startStack } from "../lib/stack";
import { fmt, summarise } from "../lib/stats";

const { values: flags } = parseArgs({
  options: { op: { type: "string" }, seconds: { type: "string" }, rounds: { type: "string" } },
});
const OP = flags.op ?? "room";
const SECONDS = Number(flags.seconds ?? 3);
const ROUNDS = Number(flags.rounds ?? 6);

const load0 = os.loadavg()[0] ?? 0;
const stack = await startStack(new Set(["roomcast", "rest-pg"]));
await runProbe(stack, async () => {
  const ratios: number[] = [];
  const cpu = new Map<string, number[]>();
  console.log("| round | server | req/s | CPU ms per request |\n|---|---|---|---|");
  for (let r = 0; r < ROUNDS + 1; r++) {
    const rps = new Map<string, number>();
    for (const server of stack.rest) {
      const pid = stack.pids[server.name] ?? 0;
      const messages = `/message/rooms/${server.roomId}/messages`;
      const req = {
        room: { method: "GET" as const, path: `/room/${server.roomId}` },
        history: { method: "GET" as const, path: `${messages}?limit=50` },
        health: { method: "GET" as const, path: "/health" },
      }[OP];
      if (!req) throw new Error(`unknown op ${OP}`);
      const c0 = processCpuNs(pid) / 1e9;
      const result = await autocannon({
        url: server.base + req.path,
        method: req.method,
        headers: { authorization: `Bearer ${server.token}` },
        connections: 10,
        duration: r === 0 ? 1 : SECONDS, // round 0: warm-up, not counted
      });
      const ms = ((processCpuNs(pid) / 1e9 - c0) * 1000) / Math.max(1, result.requests.total);
      if (result.non2xx + result.errors) throw new Error(`${server.name}: ${result.non2xx} non-2xx`);
      if (r === 0) continue;
      rps.set(server.name, result.requests.average);
      cpu.set(server.name, [...(cpu.get(server.name) ?? []), ms]);
      console.log(`| ${r} | ${server.name} | ${fmt(result.requests.average)} | ${fmt(ms, 3)} |`);
    }
    const a = rps.get("roomcast");
    const b = rps.get("rest-pg");
    if (a && b) ratios.push(a / b);
  }
  // One client at a time: the median of sequential requests (what overlapping calls would cut),
  // beside `/health`'s in the same moment (the request and the machine's load without the op).
  const sequential: string[] = [];
  const median = async (url: string, token: string) => {
    const times: number[] = [];
    for (let i = 0; i < 320; i++) {
      const t0 = performance.now();
      const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      await res.arrayBuffer();
      if (i >= 20) times.push(performance.now() - t0);
    }
    return summarise(times).median;
  };
  for (const server of stack.rest) {
    const path = {
      health: "/health",
      room: `/room/${server.roomId}`,
      history: `/message/rooms/${server.roomId}/messages?limit=50`,
    }[OP];
    const [op, health] = [[], []] as [number[], number[]];
    for (let i = 0; i < 3; i++) {
      op.push(await median(server.base + path, server.token));
      health.push(await median(`${server.base}/health`, server.token));
    }
    const [o, h] = [summarise(op).median, summarise(health).median];
    sequential.push(`${server.name} ${fmt(o, 3)} ms (/health ${fmt(h, 3)}, difference ${fmt(o - h, 3)})`);
  }
  console.log(`sequential median: ${sequential.join("; ")}`);
  const s = summarise(ratios);
  const c = (name: string) => summarise(cpu.get(name) ?? []);
  console.log(
    `\n${OP}: roomcast vs rest-pg ${fmt(s.median, 2)}× (${fmt(s.min, 2)}–${fmt(s.max, 2)}); CPU ms/request roomcast ${fmt(c("roomcast").median, 3)}, rest-pg ${fmt(c("rest-pg").median, 3)}; load ${fmt(load0, 1)} → ${fmt(os.loadavg()[0] ?? 0, 1)}`,
  );
});
