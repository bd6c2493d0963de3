// npm run bench [-- --quick] [-- --only fanout,rooms,rest,idle]
// Starts the service (wrangler dev on an embedded PostgreSQL) and both baselines, runs every
// scenario against each, checks that nothing was lost, prints a table and writes JSON.
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { SignJWT } from "jose";
import pg from "pg";
import { startBridge } from "../scripts/lib/bridge";
import { freePort, startCluster } from "../scripts/lib/embedded-pg";
import { applyMigrations } from "../scripts/lib/migrate";
import { hashPassword } from "../src/auth/password";
import {
  ask,
  BENCH_DIR,
  findWorkerd,
  firstMessage,
  forkTs,
  killAll,
  ROOT,
  rssKiB,
  spawnTracked,
  waitForHttp,
} from "./lib/procs";
import { fmt, type Latency, latency, type Summary, summarise } from "./lib/stats";
import type { Endpoint } from "./lib/targets";
import type { Command, Report } from "./load/client";

const { values: flags } = parseArgs({ options: { quick: { type: "boolean" }, only: { type: "string" } } });
const quick = Boolean(flags.quick);
const only = new Set((flags.only ?? "fanout,rooms,rest,idle").split(","));
const RUNS = quick ? 1 : 3;

type Target = "roomcast" | "ceiling" | "peer";
const TARGETS: Target[] = ["roomcast", "ceiling", "peer"];

const results: Record<string, unknown> = {
  startedAt: new Date().toISOString(),
  quick,
  machine: {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
  },
};
const failures: string[] = [];

// ── the stack ────────────────────────────────────────────────────────────────

const cluster = await startCluster(".data/postgres-bench", await freePort());
const stamp = `${Date.now()}`;
const rcDb = `roomcast_bench_${stamp}`;
const peerDb = `peer_bench_${stamp}`;
await cluster.createDatabase(rcDb);
await cluster.createDatabase(peerDb);
await applyMigrations(cluster.url(rcDb));
const bridge = await startBridge(`127.0.0.1:${cluster.port}`);
const sql = new pg.Pool({ connectionString: cluster.url(rcDb), max: 2 });

const SECRET = randomBytes(32).toString("hex");
const rcPort = await freePort();
const wrangler = spawnTracked(path.join(ROOT, "node_modules/.bin/wrangler"), [
  "dev",
  "--ip",
  "127.0.0.1",
  "--port",
  String(rcPort),
  "--inspector-port",
  String(await freePort()),
  "--persist-to",
  mkdtempSync(path.join(os.tmpdir(), "roomcast-bench-")),
  "--show-interactive-dev-session=false",
  "--log-level",
  "error",
  ...Object.entries({
    SECRET_KEY: SECRET,
    DATABASE_URL: cluster.url(rcDb),
    DB_WS_PROXY: `127.0.0.1:${bridge.port}`,
  }).flatMap(([k, v]) => ["--var", `${k}:${v}`]),
  // The per-socket limits protect a production room from one client; the bench measures the room.
  ...["WS_SENDS_PER_SECOND:10000", "WS_SEND_BURST:100000", "WS_MAX_SOCKETS_PER_USER:1000"].flatMap((v) => [
    "--var",
    v,
  ]),
]);
wrangler.stderr?.on("data", (d: Buffer) => {
  const line = d.toString();
  if (!/Request\.cf|workers\.cloudflare\.com|getaddrinfo/.test(line))
    process.stderr.write(`[wrangler] ${line}`);
});

const ceiling = forkTs("baselines/ws-ceiling.ts", ["0"]);
const peer = forkTs("baselines/socketio-pg.ts", ["0", cluster.url(peerDb)]);
const ports: Record<Target, number> = {
  roomcast: rcPort,
  ceiling: (await firstMessage<{ port: number }>(ceiling)).port,
  peer: (await firstMessage<{ port: number }>(peer)).port,
};
await waitForHttp(`http://127.0.0.1:${rcPort}/health`, 90_000);
const peerSql = new pg.Pool({ connectionString: cluster.url(peerDb), max: 2 });

async function shutdown(code: number) {
  killAll();
  await Promise.allSettled([sql.end(), peerSql.end(), bridge.close()]);
  await new Promise((r) => setTimeout(r, 500));
  await cluster.stop().catch(() => {});
  await cluster.dropDatabase(rcDb).catch(() => {});
  process.exit(code);
}
process.on("SIGINT", () => void shutdown(130));

// ── users, tokens, rooms for Roomcast ────────────────────────────────────────

const PASSWORD = "bench-password-1";
const USERS = 50;
const passwordHash = await hashPassword(PASSWORD);
const { rows: users } = await sql.query<{ id: number; username: string }>(
  `insert into users (username, email, password_hash)
   select 'bench' || g, 'bench' || g || '@bench.test', $1 from generate_series(1, $2) g returning id, username`,
  [passwordHash, USERS],
);
const key = new TextEncoder().encode(SECRET);
const tokens = await Promise.all(
  users.map((u) =>
    new SignJWT({ ver: 0 })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject(String(u.id))
      .setIssuer("roomcast")
      .setAudience("roomcast-api")
      .setIssuedAt()
      .setExpirationTime("2h")
      .sign(key),
  ),
);
const tokenFor = (i: number) => tokens[i % tokens.length] as string;

async function rcRoom(name: string): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${rcPort}/room/`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${tokenFor(0)}` },
    body: JSON.stringify({ name }),
  });
  if (res.status !== 201) throw new Error(`room create: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: number }).id;
}

let roomCounter = 0;
async function newRoom(target: Target): Promise<{ key: string; endpoint: (i: number) => Endpoint }> {
  const name = `bench-${++roomCounter}-${stamp}`;
  if (target === "roomcast") {
    const roomId = await rcRoom(name);
    return {
      key: String(roomId),
      endpoint: (i) => ({ kind: "roomcast", port: rcPort, roomId, token: tokenFor(i) }),
    };
  }
  return { key: name, endpoint: () => ({ kind: target, port: ports[target], room: name }) };
}

// ── load processes ───────────────────────────────────────────────────────────

type Placement = { endpoint: Endpoint; senderId: number | null };

/** Spreads connections over load processes (one per core), connecting in batches. */
async function openClients(placements: Placement[]) {
  const procs = placements.length >= 100 ? 2 : 1;
  const children = Array.from({ length: procs }, () => forkTs("load/client.ts"));
  const share = children.map((_, p) => placements.filter((_, i) => i % procs === p));
  for (const [p, child] of children.entries()) {
    const mine = share[p] ?? [];
    for (let i = 0; i < mine.length; i += 50) {
      const batch = mine.slice(i, i + 50);
      const cmd: Command = {
        cmd: "connect",
        endpoints: batch.map((b) => b.endpoint),
        senderIds: batch.map((b) => b.senderId),
      };
      await ask(child, cmd, "connected");
    }
  }
  return children;
}

async function totalReceived(children: ReturnType<typeof forkTs>[]) {
  const s = await Promise.all(
    children.map((c) => ask<{ received: number; lastReceiveAt: number }>(c, { cmd: "status" }, "status")),
  );
  return {
    received: s.reduce((a, x) => a + x.received, 0),
    lastReceiveAt: Math.max(...s.map((x) => x.lastReceiveAt)),
  };
}

async function waitDelivered(children: ReturnType<typeof forkTs>[], want: number, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await totalReceived(children);
    if (s.received >= want || Date.now() > deadline) return s;
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function report(
  children: ReturnType<typeof forkTs>[],
  expected: Record<string, Record<string, number>>,
) {
  const reports = await Promise.all(
    children.map((c) => ask<{ report: Report }>(c, { cmd: "report", expected }, "report")),
  );
  const sum = (f: (r: Report) => number) => reports.reduce((a, r) => a + f(r.report), 0);
  return {
    expected: sum((r) => r.expected),
    received: sum((r) => r.received),
    lost: sum((r) => r.lost),
    duplicated: sum((r) => r.duplicated),
    outOfOrder: sum((r) => r.outOfOrder),
    seqGaps: sum((r) => r.seqGaps),
    latencies: reports.flatMap((r) => r.report.latencies),
  };
}

const closeAll = (children: ReturnType<typeof forkTs>[]) =>
  Promise.all(children.map((c) => c.send({ cmd: "close" })));

/** PostgreSQL holds exactly the messages sent (Roomcast: seq 1..n, once each); bounded wait. */
async function checkStored(target: Target, roomKey: string, sent: number): Promise<string | null> {
  if (target === "ceiling") return null; // stores nothing, by design
  const deadline = Date.now() + 30_000;
  for (;;) {
    const { rows } =
      target === "roomcast"
        ? await sql.query<{ n: string; lo: number; hi: number; d: string }>(
            "select count(*) n, min(seq) lo, max(seq) hi, count(distinct seq) d from messages where room_id = $1",
            [Number(roomKey)],
          )
        : await peerSql.query<{ n: string; lo: number; hi: number; d: string }>(
            "select count(*) n, 1 lo, count(*) hi, count(*) d from peer_messages where room = $1",
            [roomKey],
          );
    const r = rows[0];
    const ok =
      r && Number(r.n) === sent && Number(r.d) === sent && Number(r.lo) === 1 && Number(r.hi) === sent;
    if (ok) return null;
    if (Date.now() > deadline)
      return `${target} room ${roomKey}: PostgreSQL holds ${JSON.stringify(r)}, sent ${sent}`;
    await new Promise((r) => setTimeout(r, 200));
  }
}

function verdict(target: Target, what: string, r: Awaited<ReturnType<typeof report>>, stored: string | null) {
  const problems = [
    r.lost && `${r.lost} lost`,
    r.duplicated && `${r.duplicated} duplicated`,
    r.outOfOrder && `${r.outOfOrder} out of order`,
    r.seqGaps && `${r.seqGaps} seq gaps`,
    stored,
  ].filter(Boolean);
  if (problems.length === 0) return "exactly once, in order";
  const line = `${target} ${what}: ${problems.join(", ")}`;
  // A loss or duplicate in Roomcast fails the run; baselines' anomalies are reported, not fatal.
  if (target === "roomcast") failures.push(line);
  return problems.join(", ");
}

// ── scenarios ────────────────────────────────────────────────────────────────

type FanoutRow = {
  target: Target;
  receivers: number;
  msgsPerSec: Summary;
  deliveriesPerSec: Summary;
  latency: Latency & { offeredPerSec: number };
  integrity: string;
};

async function fanout(target: Target, n: number): Promise<FanoutRow> {
  const sat: number[] = [];
  const integrity: string[] = [];
  const messages = quick ? (n >= 100 ? 100 : 300) : n >= 1000 ? 200 : n >= 100 ? 500 : 1000;
  for (let run = 0; run < RUNS; run++) {
    const room = await newRoom(target);
    const placements: Placement[] = [
      { endpoint: room.endpoint(0), senderId: 0 },
      ...Array.from({ length: n }, (_, i) => ({ endpoint: room.endpoint(i + 1), senderId: null })),
    ];
    const children = await openClients(placements);
    const senderProc = children[0];
    if (!senderProc) throw new Error("no load process");
    const { firstAt } = await ask<{ firstAt: number }>(
      senderProc,
      { cmd: "send", count: messages, ratePerSecond: null },
      "sent",
    );
    const done = await waitDelivered(children, messages * (n + 1), 120_000);
    const seconds = (done.lastReceiveAt - firstAt) / 1000;
    sat.push(messages / seconds);
    const r = await report(children, { [room.key]: { 0: messages } });
    integrity.push(verdict(target, `fan-out ${n}`, r, await checkStored(target, room.key, messages)));
    await closeAll(children);
  }
  const msgsPerSec = summarise(sat);
  // Latency at a fixed offered load of about half the saturation rate.
  const rate = Math.max(1, Math.floor(msgsPerSec.median / 2));
  const count = Math.max(20, Math.min(rate * (quick ? 1 : 3), 3000));
  const room = await newRoom(target);
  const children = await openClients([
    { endpoint: room.endpoint(0), senderId: 0 },
    ...Array.from({ length: n }, (_, i) => ({ endpoint: room.endpoint(i + 1), senderId: null })),
  ]);
  const senderProc = children[0];
  if (!senderProc) throw new Error("no load process");
  await ask(senderProc, { cmd: "send", count, ratePerSecond: rate }, "sent", 600_000);
  await waitDelivered(children, count * (n + 1), 120_000);
  const r = await report(children, { [room.key]: { 0: count } });
  integrity.push(verdict(target, `fan-out ${n} (paced)`, r, await checkStored(target, room.key, count)));
  await closeAll(children);
  return {
    target,
    receivers: n,
    msgsPerSec,
    deliveriesPerSec: summarise(sat.map((x) => x * (n + 1))),
    latency: { ...latency(r.latencies), offeredPerSec: rate },
    integrity: [...new Set(integrity)].join("; "),
  };
}

type RoomsRow = {
  target: Target;
  rooms: number;
  deliveriesPerSec: Summary;
  latency: Latency;
  integrity: string;
};

async function manyRooms(target: Target, roomCount: number): Promise<RoomsRow> {
  const perMember = quick ? 10 : 30;
  const rate = 10; // messages per second per member
  const dps: number[] = [];
  const lat: number[] = [];
  const integrity: string[] = [];
  for (let run = 0; run < RUNS; run++) {
    const rooms = await Promise.all(Array.from({ length: roomCount }, () => newRoom(target)));
    const placements: Placement[] = rooms.flatMap((room, r) =>
      Array.from({ length: 5 }, (_, m) => ({ endpoint: room.endpoint(r * 5 + m), senderId: r * 5 + m })),
    );
    const children = await openClients(placements);
    const started = performance.timeOrigin + performance.now();
    await Promise.all(
      children.map((c) => ask(c, { cmd: "send", count: perMember, ratePerSecond: rate }, "sent", 600_000)),
    );
    const want = roomCount * 5 * perMember * 5;
    const done = await waitDelivered(children, want, 120_000);
    dps.push(done.received / ((done.lastReceiveAt - started) / 1000));
    const expected = Object.fromEntries(
      rooms.map((room, r) => [
        room.key,
        Object.fromEntries(Array.from({ length: 5 }, (_, m) => [r * 5 + m, perMember])),
      ]),
    );
    const rep = await report(children, expected);
    lat.push(...rep.latencies);
    const stored = (
      await Promise.all(rooms.map((room) => checkStored(target, room.key, 5 * perMember)))
    ).filter(Boolean);
    integrity.push(verdict(target, `${roomCount} rooms`, rep, stored.length ? stored.join("; ") : null));
    await closeAll(children);
  }
  return {
    target,
    rooms: roomCount,
    deliveriesPerSec: summarise(dps),
    latency: latency(lat),
    integrity: [...new Set(integrity)].join("; "),
  };
}

type RestRow = {
  name: string;
  reqPerSec: Summary;
  latency: { p50: number; p99: number; max: number };
  non2xx: number;
};

async function rest(): Promise<RestRow[]> {
  const roomId = await rcRoom(`bench-rest-${stamp}`);
  for (let i = 0; i < 60; i++) {
    await fetch(`http://127.0.0.1:${rcPort}/message/rooms/${roomId}/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${tokenFor(0)}` },
      body: JSON.stringify({ content: JSON.stringify({ s: 0, i, t: 0 }) }),
    });
  }
  const base = `http://127.0.0.1:${rcPort}`;
  const auth = { "content-type": "application/json", authorization: `Bearer ${tokenFor(0)}` };
  const cases = [
    {
      name: "POST /auth/login",
      url: `${base}/auth/login`,
      method: "POST" as const,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: users[0]?.username, password: PASSWORD }),
    },
    {
      name: "POST message",
      url: `${base}/message/rooms/${roomId}/messages`,
      method: "POST" as const,
      headers: auth,
      body: JSON.stringify({ content: "bench" }),
    },
    {
      name: "GET history page (50)",
      url: `${base}/message/rooms/${roomId}/messages?limit=50`,
      method: "GET" as const,
      headers: auth,
    },
  ];
  const rows: RestRow[] = [];
  for (const c of cases) {
    const rps: number[] = [];
    let last: autocannon.Result | null = null;
    for (let run = 0; run < RUNS; run++) {
      last = await autocannon({ ...c, connections: 10, duration: quick ? 2 : 5 });
      rps.push(last.requests.average);
    }
    rows.push({
      name: c.name,
      reqPerSec: summarise(rps),
      latency: {
        p50: last?.latency.p50 ?? Number.NaN,
        p99: last?.latency.p99 ?? Number.NaN,
        max: last?.latency.max ?? Number.NaN,
      },
      non2xx: last?.non2xx ?? 0,
    });
    if ((last?.non2xx ?? 0) > 0) failures.push(`REST ${c.name}: ${last?.non2xx} non-2xx answers`);
  }
  return rows;
}

type IdleRow = { target: Target; sockets: number; kibPer1000: number; kibPer1000AfterIdle: number | null };

async function idle(target: Target): Promise<IdleRow> {
  const sockets = quick ? 200 : 1000;
  const pidOf = () =>
    target === "roomcast" ? findWorkerd(wrangler.pid ?? 0) : target === "ceiling" ? ceiling.pid : peer.pid;
  const pid = pidOf();
  if (!pid) throw new Error(`no process for ${target}`);
  const room = await newRoom(target);
  const placements = Array.from({ length: sockets }, (_, i) => ({
    endpoint: room.endpoint(i),
    senderId: null,
  }));
  // A first round warms the process up (code, caches, the room object); the second is measured,
  // so the figure is the marginal memory of idle sockets, not start-up growth.
  await closeAll(await openClients(placements));
  await new Promise((r) => setTimeout(r, 2000));
  const before = rssKiB(pid);
  const children = await openClients(placements);
  await new Promise((r) => setTimeout(r, 1000));
  const connected = rssKiB(pid);
  let afterIdle: number | null = null;
  if (!quick) {
    // Room objects hibernate after ~10 s without events; sockets stay connected.
    await new Promise((r) => setTimeout(r, 15_000));
    afterIdle = rssKiB(pid);
  }
  await closeAll(children);
  const per1000 = (kib: number) => ((kib - before) * 1000) / sockets;
  return {
    target,
    sockets,
    kibPer1000: per1000(connected),
    kibPer1000AfterIdle: afterIdle === null ? null : per1000(afterIdle),
  };
}

// ── run ──────────────────────────────────────────────────────────────────────

const ratio = (ours: number, theirs: number) =>
  Number.isFinite(ours / theirs) ? `${fmt(ours / theirs, 2)}×` : "–";
const lines: string[] = [];
const out = (s = "") => {
  lines.push(s);
  console.log(s);
};

try {
  // Idle memory first, while every server process is fresh.
  if (only.has("idle")) {
    const rows: IdleRow[] = [];
    for (const t of TARGETS) rows.push(await idle(t));
    results.idle = rows;
    out("### Idle cost (resident memory of the server process per 1,000 idle sockets)");
    out("");
    out("| server | sockets | KiB per 1,000 connected | after 15 s idle |");
    out("|---|---|---|---|");
    for (const r of rows) {
      out(
        `| ${r.target} | ${r.sockets} | ${fmt(r.kibPer1000)} | ${r.kibPer1000AfterIdle === null ? "(quick: not measured)" : fmt(r.kibPer1000AfterIdle)} |`,
      );
    }
    out("");
  }
  if (only.has("fanout")) {
    const rows: FanoutRow[] = [];
    for (const n of quick ? [10, 100] : [10, 100, 1000])
      for (const t of TARGETS) rows.push(await fanout(t, n));
    results.fanout = rows;
    out("### Fan-out in one room (1 sender, N receivers)");
    out("");
    out(
      "| N | server | msgs/s in (median, min–max) | deliveries/s | p50 / p99 / max ms at ½ load | vs ceiling | vs peer | delivery check |",
    );
    out("|---|---|---|---|---|---|---|---|");
    for (const r of rows) {
      const c = rows.find((x) => x.receivers === r.receivers && x.target === "ceiling");
      const p = rows.find((x) => x.receivers === r.receivers && x.target === "peer");
      out(
        `| ${r.receivers} | ${r.target} | ${fmt(r.msgsPerSec.median)} (${fmt(r.msgsPerSec.min)}–${fmt(r.msgsPerSec.max)}) | ${fmt(r.deliveriesPerSec.median)} | ${fmt(r.latency.p50, 1)} / ${fmt(r.latency.p99, 1)} / ${fmt(r.latency.max, 1)} @ ${fmt(r.latency.offeredPerSec)}/s | ${r.target === "roomcast" && c ? ratio(r.msgsPerSec.median, c.msgsPerSec.median) : ""} | ${r.target === "roomcast" && p ? ratio(r.msgsPerSec.median, p.msgsPerSec.median) : ""} | ${r.integrity} |`,
      );
    }
    out("");
  }
  if (only.has("rooms")) {
    const rows: RoomsRow[] = [];
    for (const n of quick ? [10] : [10, 100]) for (const t of TARGETS) rows.push(await manyRooms(t, n));
    results.rooms = rows;
    out("### Many rooms (R rooms × 5 members, each sending 10 msg/s)");
    out("");
    out(
      "| R | server | deliveries/s (median, min–max) | p50 / p99 / max ms | vs ceiling | vs peer | delivery check |",
    );
    out("|---|---|---|---|---|---|---|");
    for (const r of rows) {
      const c = rows.find((x) => x.rooms === r.rooms && x.target === "ceiling");
      const p = rows.find((x) => x.rooms === r.rooms && x.target === "peer");
      out(
        `| ${r.rooms} | ${r.target} | ${fmt(r.deliveriesPerSec.median)} (${fmt(r.deliveriesPerSec.min)}–${fmt(r.deliveriesPerSec.max)}) | ${fmt(r.latency.p50, 1)} / ${fmt(r.latency.p99, 1)} / ${fmt(r.latency.max, 1)} | ${r.target === "roomcast" && c ? `p50 ${ratio(r.latency.p50, c.latency.p50)}` : ""} | ${r.target === "roomcast" && p ? `p50 ${ratio(r.latency.p50, p.latency.p50)}` : ""} | ${r.integrity} |`,
      );
    }
    out("");
  }
  if (only.has("rest")) {
    const rows = await rest();
    results.rest = rows;
    out("### REST (autocannon, 10 connections; no baseline has this API)");
    out("");
    out("| request | req/s (median, min–max) | p50 / p99 / max ms | non-2xx |");
    out("|---|---|---|---|");
    for (const r of rows) {
      out(
        `| ${r.name} | ${fmt(r.reqPerSec.median)} (${fmt(r.reqPerSec.min)}–${fmt(r.reqPerSec.max)}) | ${fmt(r.latency.p50, 1)} / ${fmt(r.latency.p99, 1)} / ${fmt(r.latency.max, 1)} | ${r.non2xx} |`,
      );
    }
    out("");
  }
} catch (err) {
  failures.push(`run aborted: ${err instanceof Error ? err.stack : String(err)}`);
}

results.failures = failures;
mkdirSync(path.join(BENCH_DIR, "results"), { recursive: true });
const file = path.join(BENCH_DIR, "results", `${quick ? "quick" : "full"}-${stamp}.json`);
writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
if (!quick && only.size === 4) {
  const m = results.machine as { cpus: number; cpuModel: string; memGiB: number; node: string };
  writeFileSync(
    path.join(BENCH_DIR, "results", "LATEST.md"),
    `Run ${results.startedAt} on ${m.cpus} × ${m.cpuModel}, ${m.memGiB} GiB, Node ${m.node} (load generators share the machine).\n\n${lines.join("\n")}\n`,
  );
}
console.log(`results: ${path.relative(ROOT, file)}`);
if (failures.length) {
  console.error(`\nFAILED:\n- ${failures.join("\n- ")}`);
  await shutdown(1);
}
await shutdown(0);
