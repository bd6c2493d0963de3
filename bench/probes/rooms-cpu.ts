// npx tsx bench/probes/rooms-cpu.ts [--rooms 100] [--per-member 30] [--profile [--profile-out FILE]] [--perf]
// Where the many-rooms scenario's CPU goes (issue 25), in a way that holds up on a busy machine:
// the bench's own scenario (scenarios/rooms.ts: R rooms × 5 members, each sending 10 msg/s, 30
// each, the delivery check included) against the production-runtime line, and the CPU time
// (user + system, every thread, reaped children included) of each process family around it:
// workerd (the worker and every room object), PostgreSQL (the postmaster and every backend),
// this process (the bench and the bridge the Neon driver reaches PostgreSQL through) and the
// load processes, per message sent. Also: PostgreSQL sessions opened per second (each is a
// backend fork and a bridge connection) and transactions per message. `--profile`: the room
// objects' JavaScript by self time per message (a V8 CPU profile over workerd's inspector;
// `--profile-out` keeps it for a caller tree). `--perf`: workerd's CPU by layer (bench/lib/perf.ts).
// workerd's `fsync` calls per message are counted with `perf stat` where it can run: its local
// Durable Object storage commits with one on the thread that runs every room object.
import { spawn } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import pg from "pg";
import { freePort } from "../../scripts/lib/embedded-pg";
import { type CpuProfile, inspector, selfTimes } from "../lib/inspector";
import { closeClients, collect, openClients, send, verdict, waitDelivered } from "../lib/load";
import { layersOf, perfRecord } from "../lib/perf";
import { startStack } from "../lib/stack";
import { latency } from "../lib/stats";
import { manyRooms } from "../scenarios/rooms";

const { values: flags } = parseArgs({
  options: {
    rooms: { type: "string" },
    "per-member": { type: "string" },
    profile: { type: "boolean" },
    "profile-out": { type: "string" },
    perf: { type: "boolean" },
  },
});
const ROOMS = Number(flags.rooms ?? 100);
// The bench's 30 each last 3 s: a room copies 3-4 times. More: what is per copy weighs as in a longer run.
const PER_MEMBER = Number(flags["per-member"] ?? 30);
const MESSAGES = ROOMS * 5 * PER_MEMBER; // 5 members

type Proc = { pid: number; ppid: number; comm: string; ticks: number };

/** Every process on the machine with its CPU ticks so far (own + reaped children's). */
function processes(): Proc[] {
  const out: Proc[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
      out.push({ pid: Number(d), ppid: Number(f[1]), comm, ticks });
    } catch {}
  }
  return out;
}

/** CPU ms of this process's descendants by family, and of this process itself. */
function cpuByFamily(): Record<string, number> {
  const all = processes();
  const mine = new Set([process.pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of all)
      if (!mine.has(p.pid) && mine.has(p.ppid)) {
        mine.add(p.pid);
        grew = true;
      }
  }
  const sum: Record<string, number> = { workerd: 0, postgres: 0, load: 0 };
  for (const p of all) {
    if (!mine.has(p.pid) || p.pid === process.pid) continue;
    const family = p.comm.startsWith("workerd")
      ? "workerd"
      : p.comm.startsWith("postgres")
        ? "postgres"
        : "load";
    sum[family] = (sum[family] ?? 0) + p.ticks * 10; // USER_HZ 100: 10 ms a tick
  }
  const self = process.cpuUsage();
  sum["bench + bridge"] = (self.user + self.system) / 1000;
  return sum;
}

/** `perf stat` counting workerd's fsync calls until stopped (null where perf cannot run). */
function fsyncCounter(pid: number) {
  const events = "syscalls:sys_enter_fsync,syscalls:sys_enter_fdatasync";
  const p = spawn("perf", ["stat", "-x", ",", "-e", events, "-p", String(pid)], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let err = "";
  p.stderr.on("data", (d) => {
    err += String(d);
  });
  p.on("error", () => {});
  return async () => {
    p.kill("SIGINT");
    await new Promise((r) => p.once("exit", r));
    const counts = err.split("\n").map((l) => Number(l.split(",")[0]));
    return counts.some((n) => !Number.isNaN(n))
      ? counts.filter((n) => !Number.isNaN(n)).reduce((a, b) => a + b, 0)
      : null;
  };
}

const port = await freePort();
const stack = await startStack(new Set(["roomcast"]), {
  workerdArgs: flags.profile ? [`--inspector-addr=127.0.0.1:${port}`] : [],
});
const server = stack.ws.find((s) => s.name === "roomcast");
if (!server) throw new Error("no roomcast line");
const db = new pg.Pool({ connectionString: stack.roomcastDb, max: 1 });
/** Sessions opened and transactions committed so far, in the whole cluster. */
const counters = async () =>
  (
    await db.query<{ sessions: string; xacts: string }>(
      "select sum(sessions) sessions, sum(xact_commit) xacts from pg_stat_database",
    )
  ).rows[0] ?? { sessions: "0", xacts: "0" };
const MEMBERS = 5;
try {
  await manyRooms({ quick: true, runs: 1, procs: stack.procs }, server, 10, false); // warm-up
  // The scenario's steps, with the CPU measured from the first send until PostgreSQL holds every
  // message (the copies are part of a message's cost), not while rooms and sockets are set up.
  const rooms = await Promise.all(Array.from({ length: ROOMS }, () => server.newRoom()));
  const load = await openClients(
    stack.procs,
    rooms.flatMap((room, r) =>
      Array.from({ length: MEMBERS }, (_, m) => ({
        endpoint: room.endpoint(r * MEMBERS + m),
        senderId: r * MEMBERS + m,
      })),
    ),
    false,
  );
  const profiler = flags.profile ? await inspector(port) : null;
  if (profiler) await profiler.start();
  const stopPerf = fsyncCounter(stack.pids.roomcast ?? 0);
  const perf = flags.perf ? await perfRecord(stack.pids.roomcast ?? 0) : null;
  const pg0 = await counters();
  const cpu0 = cpuByFamily();
  const t0 = Date.now();
  const started = performance.timeOrigin + performance.now();
  await Promise.all(load.children.map((c) => send(c, PER_MEMBER, 10)));
  const done = await waitDelivered(load, MESSAGES * MEMBERS, 120_000);
  const sendSeconds = (done.lastReceiveAt - started) / 1000;
  const stored = await Promise.all(rooms.map((room) => server.stored(room, MEMBERS * PER_MEMBER)));
  const seconds = (Date.now() - t0) / 1000;
  const cpu1 = cpuByFamily();
  const pg1 = await counters();
  const fsyncs = await stopPerf();
  const perfData = perf ? await perf.stop() : null;
  const expected = Object.fromEntries(
    rooms.map((room, r) => [
      room.key,
      Object.fromEntries(Array.from({ length: MEMBERS }, (_, m) => [r * MEMBERS + m, PER_MEMBER])),
    ]),
  );
  const check = await collect(load, expected);
  const bad = verdict(check, stored.filter((x): x is string => x !== null).join("; ") || null);
  await closeClients(load);
  if (bad.length) throw new Error(`delivery check: ${bad.join("; ")}`);
  const lat = latency(check.latencies);
  console.log(
    `${ROOMS} rooms × 5, ${MESSAGES} messages: ${(done.received / sendSeconds).toFixed(0)} deliveries/s ` +
      `(${(done.received / sendSeconds / (ROOMS * MEMBERS * 10 * MEMBERS)).toFixed(2)}× of offered), ` +
      `p50 ${lat.p50.toFixed(0)} ms, p99 ${lat.p99.toFixed(0)} ms; every delivery exactly once, in order; ` +
      `all in PostgreSQL ${seconds.toFixed(1)} s after the first send`,
  );
  const sessions = Number(pg1.sessions) - Number(pg0.sessions);
  const xacts = Number(pg1.xacts) - Number(pg0.xacts);
  console.log(
    `  PostgreSQL: ${(sessions / seconds).toFixed(0)} sessions opened per second, ${(xacts / MESSAGES).toFixed(3)} transactions per message; ` +
      `workerd fsync per message: ${fsyncs === null ? "? (no perf)" : (fsyncs / MESSAGES).toFixed(2)}`,
  );
  for (const [family, ms] of Object.entries(cpu1)) {
    const used = ms - (cpu0[family] ?? 0);
    console.log(
      `  ${family.padEnd(15)} ${((used * 1000) / MESSAGES).toFixed(0).padStart(6)} µs CPU per message (${(used / 1000 / seconds).toFixed(2)} cores)`,
    );
  }
  if (perfData) {
    // perf samples workerd's every thread: the layers' shares of the CPU time it sampled.
    const { cpuSeconds, byLayer, symbols } = layersOf(perfData, 15);
    console.log(
      `\n  workerd by layer (perf, ${((cpuSeconds * 1e6) / MESSAGES).toFixed(0)} µs sampled per message):`,
    );
    for (const [layer, pct] of [...byLayer].sort((a, b) => b[1] - a[1]))
      console.log(
        `  ${((pct / 100) * ((cpuSeconds * 1e6) / MESSAGES)).toFixed(0).padStart(6)} µs  ${pct.toFixed(1).padStart(5)} %  ${layer}`,
      );
    for (const [sym, pct] of symbols) console.log(`         ${pct.toFixed(1).padStart(5)} %  ${sym}`);
  }
  if (profiler) {
    const profile: CpuProfile = await profiler.stop();
    if (flags["profile-out"]) writeFileSync(flags["profile-out"], JSON.stringify(profile));
    console.log("\n  JavaScript of the worker and room objects, self time per message:");
    for (const [fn, us] of selfTimes(profile).slice(0, 25))
      console.log(`  ${(us / MESSAGES).toFixed(1).padStart(7)} µs  ${fn}`);
    profiler.close();
  }
} finally {
  await db.end();
  await stack.stop();
  process.exit(0);
}
