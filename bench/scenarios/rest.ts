// REST: the latency of one request on an otherwise idle server (against its own GET /health), and
// throughput with 10 concurrent clients (autocannon), for Roomcast's lines and the Node baseline.
// Operations: get a room, read a history page of 50, post a message; login too (PBKDF2-bound).
// `fresh` alternates a post and the page, so the page is asked right after a change: the case of
// a busy room, where Roomcast's kept page (src/room/timeline/page-memo.ts) cannot answer.
import autocannon from "autocannon";
import type { Outcome, RestLatencyRow, RestOp, RestThroughputRow } from "../lib/results";
import type { BenchUser } from "../lib/roomcast";
import { BENCH_PASSWORD } from "../lib/roomcast";
import type { RestServer } from "../lib/stack";
import { percentile, sortNumbers, summarise } from "../lib/stats";
import type { RunContext } from "./context";

type Request = { method: "GET" | "POST"; path: string; headers: Record<string, string>; body?: string };

function request(server: RestServer, op: RestOp, user: BenchUser): Request {
  const auth = { "content-type": "application/json", authorization: `Bearer ${server.token}` };
  const messages = `/message/rooms/${server.roomId}/messages`;
  switch (op) {
    case "health":
      return { method: "GET", path: "/health", headers: {} };
    case "login":
      return {
        method: "POST",
        path: "/auth/login",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: user.username, password: BENCH_PASSWORD }),
      };
    case "room":
      return { method: "GET", path: `/room/${server.roomId}`, headers: auth };
    case "history":
    case "fresh":
      return { method: "GET", path: `${messages}?limit=50`, headers: auth };
    case "post":
      return { method: "POST", path: messages, headers: auth, body: JSON.stringify({ content: "bench" }) };
  }
}

/** Median time of `count` sequential requests (after a warm-up), in ms. */
async function sequential(server: RestServer, req: Request, count: number): Promise<number> {
  const once = async () => {
    const t0 = performance.now();
    const res = await fetch(server.base + req.path, {
      method: req.method,
      headers: req.headers,
      body: req.body,
    });
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`${server.name} ${req.method} ${req.path}: ${res.status}`);
    return performance.now() - t0;
  };
  for (let i = 0; i < 5; i++) await once();
  const times: number[] = [];
  for (let i = 0; i < count; i++) times.push(await once());
  return percentile(sortNumbers(times), 50);
}

const LATENCY_OPS: RestOp[] = ["health", "room", "history", "post"];
const THROUGHPUT_OPS: RestOp[] = ["room", "history", "fresh", "post", "login"];

export async function restLatency(
  ctx: RunContext,
  server: RestServer,
  user: BenchUser,
): Promise<Outcome<RestLatencyRow>> {
  const count = ctx.quick ? 20 : 100;
  const rows: RestLatencyRow[] = [];
  for (const op of LATENCY_OPS) {
    const medians: number[] = [];
    for (let run = 0; run < ctx.runs; run++)
      medians.push(await sequential(server, request(server, op, user), count));
    rows.push({ server: server.name, op, ms: summarise(medians), requests: count });
  }
  return { rows, failures: [] };
}

/** Login rotates over every bench user, so that a per-user login limit measures nothing here. */
function rotatingLogins(users: BenchUser[]): autocannon.Request[] {
  let i = 0;
  return [
    {
      setupRequest: (req) => {
        const user = users[i++ % users.length];
        return { ...req, body: JSON.stringify({ username: user?.username, password: BENCH_PASSWORD }) };
      },
    },
  ];
}

/** Rounds of the throughput scenario: enough for a spread even in the quick run. */
const ROUNDS = 3;

async function round(server: RestServer, op: RestOp, users: BenchUser[], seconds: number) {
  const user = users[0];
  if (!user) throw new Error("no bench user");
  const req = request(server, op, user);
  return autocannon({
    url: server.base + req.path,
    method: req.method,
    headers: req.headers,
    ...(req.body !== undefined && { body: req.body }),
    ...(op === "login" && { requests: rotatingLogins(users) }),
    // Each client posts, then reads the page (a GET carries no body), and so on.
    ...(op === "fresh" && { requests: [request(server, "post", user), { ...req, body: undefined }] }),
    connections: 10,
    duration: seconds,
  });
}

/**
 * 10 concurrent clients, in rounds: each round runs every operation on every server in turn, so
 * that round k of Roomcast and round k of the baseline ran moments apart and their ratio is a
 * same-run figure; the rounds' ratios give the spread (report/markdown.ts).
 */
export async function restThroughput(
  ctx: RunContext,
  servers: RestServer[],
  users: BenchUser[],
): Promise<Outcome<RestThroughputRow>> {
  type Tally = { rps: number[]; last: autocannon.Result | null; non2xx: number };
  const tallies = new Map<string, Tally>();
  const key = (s: RestServer, op: RestOp) => `${s.name} ${op}`;
  for (let r = 0; r < ROUNDS; r++)
    for (const op of THROUGHPUT_OPS)
      for (const server of servers) {
        const t = tallies.get(key(server, op)) ?? { rps: [], last: null, non2xx: 0 };
        tallies.set(key(server, op), t);
        t.last = await round(server, op, users, ctx.quick ? 1 : 5);
        t.rps.push(t.last.requests.average);
        t.non2xx += t.last.non2xx + t.last.errors;
      }
  const rows: RestThroughputRow[] = [];
  const failures: string[] = [];
  for (const op of THROUGHPUT_OPS)
    for (const server of servers) {
      const t = tallies.get(key(server, op));
      if (!t) continue;
      rows.push({
        server: server.name,
        op,
        reqPerSec: summarise(t.rps),
        rounds: t.rps,
        latency: {
          p50: t.last?.latency.p50 ?? Number.NaN,
          p99: t.last?.latency.p99 ?? Number.NaN,
          max: t.last?.latency.max ?? Number.NaN,
        },
        non2xx: t.non2xx,
      });
      if (t.non2xx > 0 && server.name !== "rest-pg")
        failures.push(`REST ${server.name} ${op}: ${t.non2xx} non-2xx answers or errors`);
    }
  return { rows, failures };
}
