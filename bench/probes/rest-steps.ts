// npx tsx bench/probes/rest-steps.ts — where the time of one warm REST request goes (issue 11's
// "find the stall"). Starts Roomcast on plain workerd and under wrangler dev (the bench's stack),
// then measures, each as the median of sequential requests on an otherwise idle stack:
// - end to end: GET /health (no database) and GET /room/{id} on both lines;
// - what PostgreSQL saw per GET /room/{id}: sessions (connections) and statements, from
//   pg_stat_database before and after;
// - the database steps alone, from Node, through the same bridge with the same Neon driver
//   settings as src/db/client.ts: WebSocket + PostgreSQL start-up, one query, closing — and the
//   same with `pg` over plain TCP (no bridge) for comparison.
import { createRequire } from "node:module";
import { Client, neonConfig } from "@neondatabase/serverless";
import pg from "pg";
import { startBridge } from "../../scripts/lib/bridge";
import { freePort, startCluster } from "../../scripts/lib/embedded-pg";
import { startStack } from "../lib/stack";
import { fmt, percentile, sortNumbers } from "../lib/stats";

const REQUESTS = 60;
const median = (xs: number[]) => percentile(sortNumbers(xs), 50);

async function timeIt(count: number, step: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 5; i++) await step();
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await step();
    times.push(performance.now() - t0);
  }
  return median(times);
}

const stack = await startStack(new Set(["roomcast", "roomcast-dev"]));
const rows: Array<[string, string]> = [];
try {
  for (const server of stack.rest) {
    const get = (p: string) => async () => {
      const res = await fetch(server.base + p, { headers: { authorization: `Bearer ${server.token}` } });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`${p}: ${res.status}`);
    };
    rows.push([`${server.name}: GET /health`, `${fmt(await timeIt(REQUESTS, get("/health")), 2)} ms`]);
    rows.push([
      `${server.name}: GET /room/{id}`,
      `${fmt(await timeIt(REQUESTS, get(`/room/${server.roomId}`)), 2)} ms`,
    ]);
  }

  // What one GET /room/{id} costs PostgreSQL: connections opened and statements run.
  const cluster = await startCluster(".data/postgres-bench", await freePort());
  const admin = new pg.Client({ connectionString: cluster.url("postgres") });
  await admin.connect();
  const db = (
    await admin.query<{ datname: string }>(
      "select datname from pg_database where datname like 'roomcast_bench_%' order by oid desc limit 1",
    )
  ).rows[0]?.datname;
  const stats = async () =>
    (
      await admin.query<{ sessions: string; xact: string }>(
        "select sessions, xact_commit + xact_rollback xact from pg_stat_database where datname = $1",
        [db],
      )
    ).rows[0];
  const server = stack.rest.find((s) => s.name === "roomcast");
  if (server) {
    await admin.query("select pg_stat_clear_snapshot()");
    const before = await stats();
    for (let i = 0; i < 20; i++)
      await (
        await fetch(`${server.base}/room/${server.roomId}`, {
          headers: { authorization: `Bearer ${server.token}` },
        })
      ).arrayBuffer();
    await new Promise((r) => setTimeout(r, 1500)); // statistics are flushed about once a second
    await admin.query("select pg_stat_clear_snapshot()");
    const after = await stats();
    if (before && after) {
      rows.push([
        "PostgreSQL sessions per GET /room/{id}",
        fmt((Number(after.sessions) - Number(before.sessions)) / 20, 2),
      ]);
      rows.push([
        "PostgreSQL transactions per GET /room/{id}",
        fmt((Number(after.xact) - Number(before.xact)) / 20, 2),
      ]);
    }
  }

  // The database steps alone, from Node: the same driver and settings as the worker, same bridge.
  const require = createRequire(import.meta.url);
  neonConfig.webSocketConstructor = require("ws");
  const bridge = await startBridge(`127.0.0.1:${cluster.port}`);
  const url = cluster.url(db ?? "postgres");
  const neon = () => {
    const c = new Client({ connectionString: url });
    c.neonConfig.wsProxy = (host, port) => `127.0.0.1:${bridge.port}/v2?address=${host}:${port}`;
    c.neonConfig.useSecureWebSocket = false;
    c.neonConfig.pipelineTLS = false;
    c.neonConfig.pipelineConnect = false;
    return c;
  };
  const lookup = "select id, is_active, token_version from users where id = $1";
  rows.push([
    "Neon driver via bridge: connect (WebSocket + PostgreSQL start-up)",
    `${fmt(
      await timeIt(REQUESTS, async () => {
        const c = neon();
        await c.connect();
        await c.end();
      }),
      2,
    )} ms (incl. close)`,
  ]);
  const warm = neon();
  await warm.connect();
  rows.push([
    "Neon driver via bridge: one query on an open connection",
    `${fmt(await timeIt(REQUESTS, () => warm.query(lookup, [1])), 2)} ms`,
  ]);
  await warm.end();
  rows.push([
    "pg over TCP: connect + close",
    `${fmt(
      await timeIt(REQUESTS, async () => {
        const c = new pg.Client({ connectionString: url });
        await c.connect();
        await c.end();
      }),
      2,
    )} ms`,
  ]);
  const tcp = new pg.Client({ connectionString: url });
  await tcp.connect();
  rows.push([
    "pg over TCP: one query on an open connection",
    `${fmt(await timeIt(REQUESTS, () => tcp.query(lookup, [1])), 2)} ms`,
  ]);
  await tcp.end();
  await admin.end();
  await bridge.close();
} finally {
  console.log("\n| step | median |\n|---|---|");
  for (const [k, v] of rows) console.log(`| ${k} | ${v} |`);
  await stack.stop();
  process.exit(0);
}
