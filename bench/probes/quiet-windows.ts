// npx tsx bench/probes/quiet-windows.ts [--receivers 10] [--messages 300] [--hz 20000]
// What the room's thread does in each step of a quiet message, by sampling: `perf record -g` of
// workerd's event-loop thread at a high rate together with its syscalls, then each message's
// samples are put in the step they fall in (frame read → first SQLite write: "code"; commit
// write + fsync; durable → last frame sent: "release + sends"; after). Prints µs per message by
// step and, within the code step, by what the samples were doing.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { runProbe } from "../lib/probe";
import { startStack } from "../lib/stack";
import { quietRun, warmBatchingRoom } from "./quiet-clients";
import { windowsReport } from "./quiet-window-report";

const { values: flags } = parseArgs({
  options: { receivers: { type: "string" }, messages: { type: "string" }, hz: { type: "string" } },
});
const receivers = Number(flags.receivers ?? 10);
const messages = Number(flags.messages ?? 300);
const hz = flags.hz ?? "20000";

const stack = await startStack(new Set(["roomcast"]));
await runProbe(stack, async () => {
  const { pid, sender, rx, body, isAck } = await warmBatchingRoom(stack, receivers);
  const file = path.join(os.tmpdir(), `quiet-windows-${process.pid}.data`);
  const args = [
    "record",
    "-q",
    "-k",
    "mono",
    "-g",
    "-t",
    String(pid),
    "-o",
    file,
    "-e",
    `cpu-clock`,
    "-F",
    hz,
  ];
  for (const s of ["recvfrom", "pwrite64", "fsync", "sendto"])
    args.push("-e", `syscalls:sys_enter_${s}`, "-e", `syscalls:sys_exit_${s}`);
  const perf: ChildProcess = spawn("perf", args, { stdio: "ignore" });
  await new Promise((r) => setTimeout(r, 1000));
  const trials = await quietRun(sender, rx, body, isAck, messages, 0);
  perf.kill("SIGINT");
  await new Promise((r) => perf.once("exit", r));
  const script = spawnSync("perf", ["script", "-i", file, "-F", "time,event,ip,sym,trace"], {
    encoding: "utf8",
    maxBuffer: 1 << 30,
  });
  windowsReport(script.stdout, trials, Number(hz));
  for (const c of [sender, ...rx]) c.ws.close();
});
