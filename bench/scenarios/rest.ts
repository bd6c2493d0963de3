// REST: the latency of one request on an otherwise idle server (against its own GET /health), and
// throughput with 10 concurrent clients (autocannon), for Roomcast's lines and the Node baseline.
// Operations: get a room, read a history page of 50, post a message; login too (PBKDF2-bound).
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
const THROUGHPUT_OPS: RestOp[] = ["room", "history", "post", "login"];

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

export async function restThroughput(
  ctx: RunContext,
  server: RestServer,
  users: BenchUser[],
): Promise<Outcome<RestThroughputRow>> {
  const user = users[0];
  if (!user) throw new Error("no bench user");
  const rows: RestThroughputRow[] = [];
  const failures: string[] = [];
  for (const op of THROUGHPUT_OPS) {
    const req = request(server, op, user);
    const rps: number[] = [];
    let last: autocannon.Result | null = null;
    let non2xx = 0;
    for (let run = 0; run < ctx.runs; run++) {
      last = await autocannon({
        url: server.base + req.path,
        method: req.method,
        headers: req.headers,
        ...(req.body !== undefined && { body: req.body }),
        ...(op === "login" && { requests: rotatingLogins(users) }),
        connections: 10,
        duration: ctx.quick ? 1 : 5,
      });
      rps.push(last.requests.average);
      non2xx += last.non2xx + last.errors;
    }
    rows.push({
      server: server.name,
      op,
      reqPerSec: summarise(rps),
      latency: {
        p50: last?.latency.p50 ?? Number.NaN,
        p99: last?.latency.p99 ?? Number.NaN,
        max: last?.latency.max ?? Number.NaN,
      },
      non2xx,
    });
    if (non2xx > 0 && server.name !== "rest-pg")
      failures.push(`REST ${server.name} ${op}: ${non2xx} non-2xx answers or errors`);
  }
  return { rows, failures };
}
