// npx tsx bench/probes/rest-cpu.ts [--requests 2000] [--profile] [--perf] [--ops health,room,history,post,fresh]
// What one REST request costs under load on the production-runtime line: 10 concurrent clients
// (autocannon) send `--requests` requests per operation to plain workerd and to the Fastify + `pg`
// baseline; measured are req/s and the CPU time of the server's process per request (workerd's
// whole process; the baseline's Node process without PostgreSQL's). CPU per request is steadier
// than req/s on a shared machine. With --profile, a V8 CPU profile of the worker (through
// workerd's inspector) during each operation, as self time per function. With --perf, `perf record`
// on workerd during each operation, its samples grouped by layer (native included), as µs per request.
// `fresh` is a history page asked right after a change (a busy room's case; the room keeps a page
// only until its storage changes): each client posts, then reads the page, `--requests` pairs. Its
// figures are per pair; with `post` in the same run, the page's own CPU is printed as pair − post.
import { readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { freePort } from "../../scripts/lib/embedded-pg";
import { inspector, selfTimes } from "../lib/inspector";
import { layersOf, perfRecord } from "../lib/perf";
import { startStack } from "../lib/stack";
import { fmt } from "../lib/stats";

const { values: flags } = parseArgs({
  options: {
    requests: { type: "string" },
    profile: { type: "boolean" },
    perf: { type: "boolean" },
    ops: { type: "string" },
    top: { type: "string" },
  },
});
const REQUESTS = Number(flags.requests ?? 2000);
const OPS = (flags.ops ?? "health,room,history,post").split(",");

/** CPU seconds (user + system) of a process so far, all its threads. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
}

const inspectorPort = await freePort();
const stack = await startStack(new Set(["roomcast", "rest-pg"]), {
  workerdArgs: flags.profile ? [`--inspector-addr=127.0.0.1:${inspectorPort}`] : [],
});
try {
  const profiler = flags.profile ? await inspector(inspectorPort) : null;
  console.log("| op | server | req/s | CPU ms per request (server process) |\n|---|---|---|---|");
  const profiles: Array<[string, Array<[string, number]>]> = [];
  const layered: Array<[string, ReturnType<typeof layersOf>]> = [];
  const perOp = new Map<string, number>();
  for (const op of OPS)
    for (const server of stack.rest) {
      const pid = stack.pids[server.name] ?? 0;
      const auth = { "content-type": "application/json", authorization: `Bearer ${server.token}` };
      const messages = `/message/rooms/${server.roomId}/messages`;
      const post = { method: "POST" as const, path: messages, body: JSON.stringify({ content: "bench" }) };
      const history = { method: "GET" as const, path: `${messages}?limit=50` };
      const reqs = {
        health: [{ method: "GET" as const, path: "/health" }],
        room: [{ method: "GET" as const, path: `/room/${server.roomId}` }],
        history: [history],
        post: [post],
        fresh: [post, history],
      }[op];
      if (!reqs) throw new Error(`unknown op ${op}`);
      // `amount` counts every request; each client cycles through `reqs` in order (a GET with no body).
      const run = (pairs: number) =>
        autocannon({
          url: server.base,
          requests: reqs.map((r) => ({ body: undefined, ...r })),
          headers: auth,
          connections: 10,
          amount: pairs * reqs.length,
        });
      await run(200); // warm-up
      const profiling = profiler && server.name === "roomcast";
      if (profiling) await profiler.start();
      const perf = flags.perf && server.name === "roomcast" ? await perfRecord(pid) : null;
      const cpu0 = cpuSeconds(pid);
      const result = await run(REQUESTS);
      const cpu = cpuSeconds(pid) - cpu0;
      if (perf) layered.push([op, layersOf(await perf.stop(), Number(flags.top ?? 0))]);
      if (profiling) {
        const profile = await profiler.stop();
        profiles.push([
          op,
          selfTimes(profile)
            .slice(0, 25)
            .map(([k, us]) => [k, us / REQUESTS]),
        ]);
        // The whole profile too, for DevTools (Performance, "Load profile") or a call-tree reading.
        writeFileSync(path.join(os.tmpdir(), `roomcast-rest-${op}.cpuprofile`), JSON.stringify(profile));
      }
      const bad = result.non2xx + result.errors;
      if (bad)
        console.error(
          `${server.name} ${op}:`,
          result.statusCodeStats,
          `errors ${result.errors}, timeouts ${result.timeouts}`,
        );
      const ms = (cpu * 1000) / REQUESTS;
      perOp.set(`${op} ${server.name}`, ms);
      console.log(
        `| ${op} | ${server.name} | ${fmt(result.requests.average)} | ${fmt(ms, 2)}${bad ? ` (${bad} failed)` : ""} |`,
      );
    }
  for (const server of stack.rest) {
    const pair = perOp.get(`fresh ${server.name}`);
    const post = perOp.get(`post ${server.name}`);
    if (pair !== undefined && post !== undefined)
      console.log(
        `${server.name}: history page right after a change ≈ ${fmt(pair - post, 2)} ms (fresh − post)`,
      );
  }
  for (const [op, top] of profiles) {
    console.log(
      `\n${op}: worker JavaScript, self time per request (V8 profile)\n\n| function | µs |\n|---|---|`,
    );
    for (const [k, us] of top) console.log(`| ${k} | ${fmt(us, 1)} |`);
  }
  for (const [op, { cpuSeconds: s, byLayer, symbols }] of layered) {
    const perRequest = (s * 1e6) / REQUESTS;
    console.log(
      `\n${op}: workerd CPU by layer (perf), ${fmt(perRequest)} µs per request\n\n| layer | µs |\n|---|---|`,
    );
    for (const [layer, pct] of [...byLayer].sort((a, b) => b[1] - a[1]))
      console.log(`| ${layer} | ${fmt((pct / 100) * perRequest)} |`);
    for (const [sym, pct] of symbols) console.log(`  ${fmt((pct / 100) * perRequest, 1)} µs  ${sym}`);
  }
  profiler?.close();
} finally {
  await stack.stop();
  process.exit(0);
}
