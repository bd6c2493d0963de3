// npx tsx bench/probes/quiet-timeline.ts [--receivers 10] [--messages 20] [--interval 500] [--trace perf|strace]
// Where the milliseconds of one quiet message go, on the production-runtime line (plain workerd):
// 1 sender and N batching receivers in one room, one message at a time, `interval` ms apart. Per
// message, from the clients: send → ack, send → first and last receiver. With `--trace`, the room's
// workerd is traced (quiet-tracers.ts) and each message is split into steps (quiet-steps.ts): the
// frame read, the room's code, each durable commit the frames waited for (an fsync per SQLite file:
// how many, how long), the sends, and the commits made after the frames (off the path). Also in
// the same run: the disk's own fsync latency (bench/lib/disk.ts, the floor of one durable local
// commit) and the plain `ws` ceiling.
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { measureFsync } from "../lib/disk";
import { runProbe } from "../lib/probe";
import { startStack } from "../lib/stack";
import type { Endpoint } from "../lib/targets";
import { type Client, open, quantile as q, quietRun as run, type Trial } from "./quiet-clients";
import { messageSteps, printSteps } from "./quiet-steps";
import { perfRecord, strace, type Tracer } from "./quiet-tracers";

const { values: flags } = parseArgs({
  options: {
    receivers: { type: "string" },
    messages: { type: "string" },
    interval: { type: "string" },
    trace: { type: "string" },
  },
});
const receivers = Number(flags.receivers ?? 10);
const messages = Number(flags.messages ?? 20);
const interval = Number(flags.interval ?? 500);

const quietRun = (
  sender: Client,
  rx: Client[],
  body: string,
  isAck: ((t: string) => boolean) | null,
  n: number,
) => run(sender, rx, body, isAck, n, interval);

function summary(name: string, trials: Trial[]) {
  const f = (k: "ack" | "first" | "last", p = 0.5) =>
    q(
      trials.map((t) => t[k]),
      p,
    ).toFixed(2);
  const ack = Number.isNaN(trials[0]?.ack) ? "" : `ack ${f("ack")} ms, `;
  console.log(
    `${name}: p50 ${ack}first receiver ${f("first")} ms, last receiver ${f("last")} ms (p90 ${f("last", 0.9)}; ${trials.length} messages)`,
  );
}

/** Local port of each TCP socket inode (/proc/net/tcp*). */
function tcpPorts(): Map<string, number> {
  const ports = new Map<string, number>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    for (const line of readFileSync(table, "utf8").split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      const local = cols[1]?.split(":")[1];
      if (local && cols[9]) ports.set(cols[9], Number.parseInt(local, 16));
    }
  }
  return ports;
}

/**
 * What the workerd's fds are: SQLite files as `<object class's folder>/<file>`, the sockets of
 * its clients (accepted on `port`) as `client`, other sockets (to the bridge, …) as `socket`.
 */
function fdNames(pid: number, port: number): Map<number, string> {
  const files = new Map<number, string>();
  const ports = tcpPorts();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode) files.set(Number(fd), ports.get(inode) === port ? "client" : "socket");
      else files.set(Number(fd), `${path.basename(path.dirname(target))}/${path.basename(target)}`);
    } catch {}
  }
  return files;
}

const stack = await startStack(new Set(["roomcast", "ceiling"]));
await runProbe(stack, async () => {
  const rc = stack.ws.find((s) => s.name === "roomcast");
  const ceiling = stack.ws.find((s) => s.name === "ceiling");
  if (!rc || !ceiling) throw new Error("servers missing");
  const disk = measureFsync();
  console.log(`disk: 4 KiB write + fsync p50 ${disk.p50.toFixed(2)} ms, p90 ${disk.p90.toFixed(2)} ms`);

  const croom = await ceiling.newRoom();
  const curl = (ep: Endpoint) => (ep.kind === "ceiling" ? `ws://127.0.0.1:${ep.port}/?room=${ep.room}` : "");
  const cready = (t: string) => t === "ready";
  const cs = await open(curl(croom.endpoint(0)), cready);
  const crx = await Promise.all(
    Array.from({ length: receivers }, (_, i) => open(curl(croom.endpoint(i + 1)), cready)),
  );
  summary(`ceiling, ${receivers} receivers`, await quietRun(cs, crx, "TAG", null, messages));
  for (const c of [cs, ...crx]) c.ws.close();

  const room = await rc.newRoom();
  const url = (ep: Endpoint) =>
    ep.kind === "roomcast" ? `ws://127.0.0.1:${ep.port}/ws/${ep.roomId}?token=${ep.token}&batch=1` : "";
  const ready = (t: string) => t.includes('"type":"ready"');
  const sender = await open(url(room.endpoint(0)), ready);
  const rx = await Promise.all(
    Array.from({ length: receivers }, (_, i) => open(url(room.endpoint(i + 1)), ready)),
  );
  const body = JSON.stringify({ type: "message.send", content: "TAG" });
  const isAck = (t: string) => t.includes('"type":"ack"');
  await quietRun(sender, rx, body, isAck, 5); // warm-up
  const pid = stack.pids.roomcast ?? 0;
  const file = path.join(os.tmpdir(), `quiet-trace-${process.pid}.${flags.trace}`);
  const tracer: Tracer | null =
    flags.trace === "strace" ? strace(pid, file) : flags.trace === "perf" ? perfRecord(pid, file) : null;
  if (tracer) await new Promise((r) => setTimeout(r, 1500));
  const trials = await quietRun(sender, rx, body, isAck, messages);
  const port = Number(new URL(url(room.endpoint(0))).port);
  const files = fdNames(pid, port);
  const trace = await tracer?.stop();
  summary(`roomcast (batching), ${receivers} receivers${tracer ? `, under ${flags.trace}` : ""}`, trials);
  for (const c of [sender, ...rx]) c.ws.close();
  if (trace) {
    const sentAt = trials.map((t) => t.sentAt);
    const steps = messageSteps(
      trace,
      sentAt,
      trials.map((t) => t.sentAt + t.last),
      files,
    );
    printSteps(steps, flags.trace === "perf");
    console.log(`raw trace: ${file}`);
  }
});
