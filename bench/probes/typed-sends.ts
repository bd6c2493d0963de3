// npx tsx bench/probes/typed-sends.ts [--messages 1000] [--runs 3] [--windows 1,16]
// The shipped typed client's sends alone (issue 25): one `RoomSocket` sends `--messages` back to
// back into a room with nobody else in it, on the production-runtime line (plain workerd), and
// waits for every ack; the windows alternate run by run on the same server, so that a busy
// machine weighs on each alike. Window 1 is the client before ordered sends (the next send after
// the previous one's ack). Reported: acks per second (wall clock), workerd's CPU per message and
// its `fsync` calls per message (`perf stat`, where it runs): one per send was the bound a lone
// sender hit whatever its window (issue 25, docs/ARCHITECTURE.md "Group commit of socket sends").
import { parseArgs } from "node:util";
import { processCpuNs } from "../lib/cpu";
import { fsyncsOf, perfStat } from "../lib/perf-stat";
import { runProbe } from "../lib/probe";
import { startStack } from "../lib/stack";

type Room = {
  whenReady: () => Promise<unknown>;
  send: (content: string) => Promise<unknown>;
  close: () => void;
};
type RoomSocketClass = new (o: {
  baseUrl: string;
  roomId: number;
  token: string;
  sendWindow: number;
}) => Room;
// Loaded by path, as bench/lib/targets.ts does: the client type-checks against the DOM's types.
const CLIENT_MODULE = "../../client/src/index.ts";

const { values: flags } = parseArgs({
  options: { messages: { type: "string" }, runs: { type: "string" }, windows: { type: "string" } },
});
const messages = Number(flags.messages ?? 1000);
const runs = Number(flags.runs ?? 3);
const windows = (flags.windows ?? "1,16").split(",").map(Number);

const stack = await startStack(new Set(["roomcast-client"]));
await runProbe(stack, async () => {
  const { RoomSocket } = (await import(CLIENT_MODULE)) as { RoomSocket: RoomSocketClass };
  const server = stack.ws.find((s) => s.name === "roomcast-client");
  const pid = stack.pids.roomcast ?? 0;
  if (!server || !pid) throw new Error("no roomcast-client line");
  const results = new Map<number, Array<{ perSec: number; cpuUs: number; fsyncs: number }>>();
  for (let r = 0; r < runs; r++) {
    for (const sendWindow of windows) {
      const benchRoom = await server.newRoom();
      const ep = benchRoom.endpoint(0);
      if (ep.kind !== "roomcast-client") throw new Error("not the typed client's endpoint");
      const room = new RoomSocket({
        baseUrl: `http://127.0.0.1:${ep.port}`,
        roomId: ep.roomId,
        token: ep.token,
        sendWindow,
      });
      await room.whenReady();
      const perf = perfStat(pid);
      // perf attaches to the process's threads in a few ms; the sends start after.
      await new Promise((r) => setTimeout(r, 200));
      const cpu0 = processCpuNs(pid);
      const t0 = performance.now();
      await Promise.all(Array.from({ length: messages }, (_, i) => room.send(`m${i}`)));
      const seconds = (performance.now() - t0) / 1000;
      const cpuUs = (processCpuNs(pid) - cpu0) / 1e3 / messages;
      const fsyncs = fsyncsOf(await perf.stop()) / messages;
      room.close();
      // Exactly once and in order in PostgreSQL, as every bench line checks.
      const wrong = await server.stored(benchRoom, messages);
      if (wrong) throw new Error(`window ${sendWindow}: ${wrong}`);
      const row = { perSec: messages / seconds, cpuUs, fsyncs };
      results.set(sendWindow, [...(results.get(sendWindow) ?? []), row]);
      console.log(
        `run ${r + 1} window ${sendWindow}: ${row.perSec.toFixed(0)} acks/s, workerd ${cpuUs.toFixed(0)} µs CPU and ${fsyncs.toFixed(2)} fsync per message`,
      );
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  for (const [w, rows] of results) {
    const rates = rows.map((x) => x.perSec);
    console.log(
      `window ${w}: ${median(rates).toFixed(0)} acks/s (${Math.min(...rates).toFixed(0)}–${Math.max(...rates).toFixed(0)}), ${median(rows.map((x) => x.cpuUs)).toFixed(0)} µs workerd CPU and ${median(rows.map((x) => x.fsyncs)).toFixed(2)} fsync per message (medians of ${rows.length})`,
    );
  }
});
