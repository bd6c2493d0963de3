// The load processes (bench/load/client.ts) as the scenarios drive them: open connections, send,
// wait for deliveries, collect the delivery check.
import type { ChildProcess } from "node:child_process";
import type { Command, Connected, Report } from "../load/client";
import { ask, type Processes } from "./procs";
import { type Compression, isRoomcast, type WsServerName } from "./results";
import type { Endpoint } from "./targets";

export type Placement = { endpoint: Endpoint; senderId: number | null };

/** The load processes, and how many connections each holds (every one receives). */
export type Load = { children: ChildProcess[]; perChild: number[]; compression: Compression };

// The typed client's line runs on Node's own WebSocket, still behind a flag before Node 22.
const NODE_FLAGS = typeof globalThis.WebSocket === "undefined" ? ["--experimental-websocket"] : [];

/** Spreads connections over load processes (one per core for ≥ 100), connecting in batches. */
export async function openClients(
  procs: Processes,
  placements: Placement[],
  deflate: boolean,
): Promise<Load> {
  const count = placements.length >= 100 ? 2 : 1;
  const children = Array.from({ length: count }, () => procs.fork("load/client.ts", [], NODE_FLAGS));
  const compression: Compression = { deflate, negotiated: 0, connections: 0 };
  const perChild = children.map(() => 0);
  for (const [p, child] of children.entries()) {
    const mine = placements.filter((_, i) => i % count === p);
    for (let i = 0; i < mine.length; i += 50) {
      const batch = mine.slice(i, i + 50);
      const cmd: Command = {
        cmd: "connect",
        endpoints: batch.map((b) => b.endpoint),
        senderIds: batch.map((b) => b.senderId),
        deflate,
      };
      const r = await ask<Connected>(child, cmd, "connected");
      compression.connections += r.connections;
      compression.negotiated += r.deflate;
      perChild[p] = (perChild[p] ?? 0) + r.connections;
    }
  }
  return { children, perChild, compression };
}

/** Has every sender of one load process send `count` messages (back to back when `rate` is null). */
export async function send(child: ChildProcess, count: number, ratePerSecond: number | null) {
  const cmd: Command = { cmd: "send", count, ratePerSecond };
  return ask<{ firstAt: number; lastAt: number }>(child, cmd, "sent", 600_000);
}

async function totalReceived(children: ChildProcess[]) {
  const s = await Promise.all(
    children.map((c) => ask<{ received: number; lastReceiveAt: number }>(c, { cmd: "status" }, "status")),
  );
  return {
    received: s.reduce((a, x) => a + x.received, 0),
    lastReceiveAt: Math.max(...s.map((x) => x.lastReceiveAt)),
  };
}

/**
 * Waits until `want` deliveries arrived in all; returns the tally. Gives up after `timeoutMs`
 * only once nothing more arrived for 15 s (a slow line still delivering is waited for, up to
 * three times `timeoutMs`): what never arrives is then counted as lost by the check.
 */
export async function waitDelivered(load: Load, want: number, timeoutMs: number) {
  const start = Date.now();
  let last = -1;
  let progressAt = start;
  for (;;) {
    const s = await totalReceived(load.children);
    const now = Date.now();
    if (s.received !== last) [last, progressAt] = [s.received, now];
    if (s.received >= want || now - start > 3 * timeoutMs) return s;
    if (now - start > timeoutMs && now - progressAt > 15_000) return s;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits until every load process's receivers hold `perConnection` deliveries each (or the timeout). */
export const awaitEach = (load: Load, perConnection: number, timeoutMs: number) =>
  Promise.all(
    load.children.map((c, k) =>
      ask(c, { cmd: "await", received: (load.perChild[k] ?? 0) * perConnection, timeoutMs }, "awaited"),
    ),
  );

export type Check = Omit<Report, "connections" | "lastReceiveAt">;

/** Every receiver's delivery check, summed over the load processes. */
export async function collect(
  load: Load,
  expected: Record<string, Record<string, number>>,
  skip = 0,
): Promise<Check> {
  const reports = await Promise.all(
    load.children.map((c) => ask<{ report: Report }>(c, { cmd: "report", expected, skip }, "report")),
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

export const closeClients = (load: Load) => Promise.all(load.children.map((c) => c.send({ cmd: "close" })));

/**
 * The nothing-lost verdict of one run: every message exactly once and in order at every receiver
 * (Roomcast: `seq` without gaps), and PostgreSQL holding exactly what was sent.
 */
export function verdict(check: Check, stored: string | null): string[] {
  return [
    check.lost && `${check.lost} lost`,
    check.duplicated && `${check.duplicated} duplicated`,
    check.outOfOrder && `${check.outOfOrder} out of order`,
    check.seqGaps && `${check.seqGaps} seq gaps`,
    stored,
  ].filter((p): p is string => typeof p === "string" && p.length > 0);
}

/** Collects verdicts across runs; a Roomcast anomaly is a failure of the bench, a baseline's is reported. */
export class Integrity {
  private readonly seen: string[] = [];
  readonly failures: string[] = [];

  constructor(private readonly server: WsServerName) {}

  add(what: string, problems: string[]) {
    this.seen.push(problems.length ? problems.join(", ") : "exactly once, in order");
    if (problems.length && isRoomcast(this.server))
      this.failures.push(`${this.server} ${what}: ${problems.join(", ")}`);
  }

  summary() {
    return [...new Set(this.seen)].join("; ");
  }
}
