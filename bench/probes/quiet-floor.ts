// npx tsx bench/probes/quiet-floor.ts [--receivers 10] [--messages 100] [--rounds 3]
// Where Roomcast's quiet-room latency stands against the runtime's own floor, in one sitting:
// one message at a time (the next when the last receiver has it, as the bench's quiet line), to
// N receivers, on four servers, round-robin so that the machine's load falls on each alike:
// - ceiling: the plain `ws` server (stores nothing);
// - floor: a Durable Object on plain workerd that broadcasts each message (floor/floor.js);
// - floor-store: the same object appending each message to its SQLite first (one INSERT, so the
//   output gate holds the frames for one durable commit: an `fsync` here);
// - roomcast: the room (batching receivers, as the bench).
// Also the disk's `fsync` (bench/lib/disk.ts). p50 / p90 of send → last receiver, per round, and
// for the workerd lines the CPU time of the process's event-loop thread per message (schedstat).
import { parseArgs } from "node:util";
import { freePort } from "../../scripts/lib/embedded-pg";
import { threadCpuNs } from "../lib/cpu";
import { measureFsync } from "../lib/disk";
import { runProbe } from "../lib/probe";
import { startStack } from "../lib/stack";
import { startFloor } from "./floor/start";
import { type Client, open, quantile, quietRun } from "./quiet-clients";

const { values: flags } = parseArgs({
  options: { receivers: { type: "string" }, messages: { type: "string" }, rounds: { type: "string" } },
});
const receivers = Number(flags.receivers ?? 10);
const messages = Number(flags.messages ?? 100);
const rounds = Number(flags.rounds ?? 3);

type Line = {
  name: string;
  sender: Client;
  rx: Client[];
  body: string;
  isAck: ((t: string) => boolean) | null;
  /** The process whose main thread runs the line's objects (0: not workerd). */
  pid?: number;
};

async function line(
  name: string,
  url: (i: number) => string,
  ready: (t: string) => boolean,
  body: string,
  isAck: Line["isAck"],
): Promise<Line> {
  const sender = await open(url(0), ready);
  const rx = await Promise.all(Array.from({ length: receivers }, (_, i) => open(url(i + 1), ready)));
  return { name, sender, rx, body, isAck };
}

const stack = await startStack(new Set(["roomcast", "ceiling"]));
await runProbe(stack, async () => {
  const rc = stack.ws.find((s) => s.name === "roomcast");
  const ceiling = stack.ws.find((s) => s.name === "ceiling");
  if (!rc || !ceiling) throw new Error("servers missing");
  const plain = { router: false, attach: false, direct: false };
  const floor = await startFloor(stack.procs, { ...plain, inspectorPort: await freePort() });
  const stored = await startFloor(stack.procs, { ...plain, store: true, inspectorPort: await freePort() });
  const croom = await ceiling.newRoom();
  const room = await rc.newRoom();
  const ready = (t: string) => t === "ready";
  const at = (port: number, key: string) => () => `ws://127.0.0.1:${port}/?room=${key}`;
  const curl = (i: number) => {
    const ep = croom.endpoint(i);
    return ep.kind === "ceiling" ? `ws://127.0.0.1:${ep.port}/?room=${ep.room}` : "";
  };
  const rurl = (i: number) => {
    const ep = room.endpoint(i);
    return ep.kind === "roomcast"
      ? `ws://127.0.0.1:${ep.port}/ws/${ep.roomId}?token=${ep.token}&batch=1`
      : "";
  };
  const lines = [
    await line("ceiling", curl, ready, "TAG", null),
    {
      ...(await line("floor (object, no storage)", at(floor.port, "q"), ready, "TAG", null)),
      pid: floor.pid,
    },
    {
      ...(await line("floor-store (object, one INSERT)", at(stored.port, "q"), ready, "TAG", null)),
      pid: stored.pid,
    },
    await line(
      "roomcast (batching)",
      rurl,
      (t) => t.includes('"type":"ready"'),
      JSON.stringify({ type: "message.send", content: "TAG" }),
      (t) => t.includes('"type":"ack"'),
    ).then((l) => ({ ...l, pid: stack.pids.roomcast ?? 0 })),
  ];
  for (const l of lines) await quietRun(l.sender, l.rx, l.body, l.isAck, 30, 0); // warm-up
  const p50s = new Map<string, number[]>();
  for (let r = 0; r < rounds; r++) {
    const disk = measureFsync();
    console.log(`round ${r + 1}: disk fsync p50 ${disk.p50.toFixed(2)} ms, p90 ${disk.p90.toFixed(2)} ms`);
    for (const l of lines) {
      const cpu0 = l.pid ? threadCpuNs(l.pid) : 0;
      const last = (await quietRun(l.sender, l.rx, l.body, l.isAck, messages, 0)).map((t) => t.last);
      const cpu = l.pid
        ? `, event-loop thread ${((threadCpuNs(l.pid) - cpu0) / 1e3 / messages).toFixed(0)} µs CPU per message`
        : "";
      const p50 = quantile(last, 0.5);
      p50s.set(l.name, [...(p50s.get(l.name) ?? []), p50]);
      console.log(`  ${l.name}: p50 ${p50.toFixed(2)} ms, p90 ${quantile(last, 0.9).toFixed(2)} ms${cpu}`);
    }
  }
  console.log("median of the rounds' p50s:");
  for (const [name, xs] of p50s) console.log(`  ${name}: ${quantile(xs, 0.5).toFixed(2)} ms`);
  for (const l of lines) for (const c of [l.sender, ...l.rx]) c.ws.close();
});
