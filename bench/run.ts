// npm run bench [-- --quick] [-- --only idle,quiet,fanout,rooms,inbox,rest] [-- --servers roomcast,peer,…]
//                [-- --deflate off|on|both] [-- --rooms 100] [-- --runs 1]
// Starts the stack (bench/lib/stack.ts), runs every scenario (bench/scenarios/) against every
// server, checks that nothing was lost, prints the tables and writes the JSON (and, for a full
// run, LATEST.md, LATEST.json and the chart LATEST.svg).
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { measureFsync } from "./lib/disk";
import { BENCH_DIR, ROOT } from "./lib/procs";
import {
  type Outcome,
  REST_SERVERS,
  type RestServerName,
  type Results,
  WS_SERVERS,
  type WsServerName,
} from "./lib/results";
import { startStack } from "./lib/stack";
import { chart } from "./report/chart";
import { heading, markdown } from "./report/markdown";
import type { RunContext } from "./scenarios/context";
import { fanout } from "./scenarios/fanout";
import { idle } from "./scenarios/idle";
import { inbox } from "./scenarios/inbox";
import { quiet } from "./scenarios/quiet";
import { restLatency, restThroughput } from "./scenarios/rest";
import { manyRooms } from "./scenarios/rooms";

const SCENARIOS = ["idle", "quiet", "fanout", "rooms", "inbox", "rest"] as const;
const ALL_SERVERS = [...new Set<WsServerName | RestServerName>([...WS_SERVERS, ...REST_SERVERS])];

const { values: flags } = parseArgs({
  options: {
    quick: { type: "boolean" },
    only: { type: "string" },
    servers: { type: "string" },
    deflate: { type: "string" },
    rooms: { type: "string" },
    runs: { type: "string" },
  },
});
const quick = Boolean(flags.quick);
const only = new Set((flags.only ?? SCENARIOS.join(",")).split(","));
const servers = new Set((flags.servers ?? ALL_SERVERS.join(",")).split(",")) as Set<
  WsServerName | RestServerName
>;
for (const s of servers)
  if (!ALL_SERVERS.includes(s)) throw new Error(`unknown server ${s}: ${ALL_SERVERS.join(", ")}`);
const deflateModes = { off: [false], on: [true], both: [false, true] }[flags.deflate ?? "both"];
if (!deflateModes) throw new Error("--deflate takes off, on or both");
// One size of the many-rooms scenario alone (e.g. the full run's 100 rooms), and fewer runs.
const roomSizes = flags.rooms ? flags.rooms.split(",").map(Number) : quick ? [10] : [10, 100];
const complete =
  !flags.rooms &&
  !flags.runs &&
  !quick &&
  only.size === SCENARIOS.length &&
  servers.size === ALL_SERVERS.length &&
  deflateModes.length === 2;

const cpu = os.cpus()[0];
const results: Results = {
  startedAt: new Date().toISOString(),
  quick,
  machine: {
    cpus: os.cpus().length,
    cpuModel: cpu?.model ?? "unknown",
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    loadAverage: { start: os.loadavg()[0] ?? Number.NaN, end: Number.NaN },
  },
  failures: [],
};

const stack = await startStack(servers);
process.on("SIGINT", () => void stack.stop().then(() => process.exit(130)));
const ctx: RunContext = { quick, runs: Number(flags.runs ?? (quick ? 1 : 3)), procs: stack.procs };

/** Runs one scenario step, keeping its rows and its failures; says what runs (a full run is long). */
async function collect<Row>(rows: Row[], label: string, step: () => Promise<Outcome<Row>>) {
  const t0 = Date.now();
  process.stderr.write(`[bench] ${label} …`);
  const outcome = await step();
  process.stderr.write(` ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
  rows.push(...outcome.rows);
  results.failures.push(...outcome.failures);
}

const on = (deflate: boolean) => (deflate ? " (deflate offered)" : "");
// The typed client runs on the platform's WebSocket, which decides about compression itself: once.
const lines = (deflate: boolean) =>
  stack.ws.filter((s) => s.name !== "roomcast-client" || deflate === deflateModes[0]);

try {
  // Idle memory first, while every server process is fresh.
  if (only.has("idle")) {
    results.idle = [];
    // Quick: one mode only (the first asked for); its 200-socket figures are a smoke test anyway.
    for (const deflate of quick ? deflateModes.slice(0, 1) : deflateModes)
      for (const s of lines(deflate))
        await collect(results.idle, `idle ${s.name}${on(deflate)}`, () => idle(ctx, s, deflate));
  }
  if (only.has("quiet")) {
    results.quiet = [];
    results.quietFloor = [measureFsync()];
    for (const n of quick ? [10, 100] : [10, 100, 1000])
      for (const s of stack.ws)
        await collect(results.quiet, `quiet room ${n} ${s.name}`, () => quiet(ctx, s, n));
    results.quietFloor.push(measureFsync());
  }
  if (only.has("fanout")) {
    results.fanout = [];
    for (const n of quick ? [10, 100] : [10, 100, 1000])
      for (const deflate of deflateModes)
        for (const s of lines(deflate))
          await collect(results.fanout, `fan-out ${n} ${s.name}${on(deflate)}`, () =>
            fanout(ctx, s, n, deflate),
          );
  }
  if (only.has("rooms")) {
    results.rooms = [];
    for (const n of roomSizes)
      for (const deflate of deflateModes)
        for (const s of lines(deflate))
          await collect(results.rooms, `${n} rooms ${s.name}${on(deflate)}`, () =>
            manyRooms(ctx, s, n, deflate),
          );
  }
  if (only.has("inbox") && stack.inbox) {
    results.inbox = [];
    const kit = stack.inbox;
    for (const n of quick ? [100] : [1000])
      await collect(results.inbox, `inbox ${n} members`, () => inbox(ctx, kit, n));
  }
  if (only.has("rest") && stack.rest.length) {
    const user = stack.users[0];
    if (!user) throw new Error("no bench user");
    results.rest = { latency: [], throughput: [] };
    for (const s of stack.rest)
      await collect(results.rest.latency, `REST latency ${s.name}`, () => restLatency(ctx, s, user));
    await collect(
      results.rest.throughput,
      `REST throughput ${stack.rest.map((s) => s.name).join(", ")}`,
      () => restThroughput(ctx, stack.rest, stack.users),
    );
  }
} catch (err) {
  results.failures.push(`run aborted: ${err instanceof Error ? err.stack : String(err)}`);
}

if (results.machine.loadAverage) results.machine.loadAverage.end = os.loadavg()[0] ?? Number.NaN;
const tables = markdown(results);
console.log(`\n${tables}\n`);
const dir = path.join(BENCH_DIR, "results");
mkdirSync(dir, { recursive: true });
const file = path.join(dir, `${quick ? "quick" : "full"}-${Date.parse(results.startedAt)}.json`);
const json = `${JSON.stringify(results, null, 2)}\n`;
writeFileSync(file, json);
console.log(`results: ${path.relative(ROOT, file)}`);
if (complete) {
  writeFileSync(path.join(dir, "LATEST.json"), json);
  writeFileSync(path.join(dir, "LATEST.md"), `${heading(results)}\n\n${tables}\n\n![chart](LATEST.svg)\n`);
  writeFileSync(path.join(dir, "LATEST.svg"), chart(results));
  console.log("rewrote bench/results/LATEST.{md,json,svg}");
}
await stack.stop();
if (results.failures.length) {
  console.error(`\nFAILED:\n- ${results.failures.join("\n- ")}`);
  process.exit(1);
}
process.exit(0);
