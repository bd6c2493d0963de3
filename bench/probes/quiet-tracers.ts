// Tracing the room's workerd for bench/probes/quiet-timeline.ts, two ways. `strace -f -T` sees
// every call's duration but slows each syscall by tens of µs; `perf record` of syscall and
// scheduler tracepoints costs little and also says when the thread was off the CPU (preempted by
// other work on a shared machine, or blocked). Both yield the same `Call` list, times in ms on
// the monotonic clock (`process.hrtime`), which is the one the probe's clients stamp with.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";

/** One traced call: start and duration in ms, the syscall, its fd. */
export type Call = { at: number; dur: number; name: string; fd: number };
/** A span the traced thread was off the CPU: `runnable` if it was preempted (it wanted to run). */
export type OffCpu = { from: number; to: number; runnable: boolean };
export type Trace = { calls: Call[]; offCpu: OffCpu[] };
export type Tracer = { stop: () => Promise<Trace> };

export const SYSCALLS = [
  "recvfrom",
  "sendto",
  "writev",
  "pwrite64",
  "fsync",
  "fdatasync",
  "epoll_wait",
  "write",
];

/** Milliseconds on the monotonic clock. */
export const monoMs = () => Number(process.hrtime.bigint()) / 1e6;

function run(cmd: string, args: string[]): ChildProcess {
  return spawn(cmd, args, { stdio: ["ignore", "ignore", "pipe"] });
}

async function stopped(p: ChildProcess) {
  p.kill("SIGINT");
  await new Promise((r) => p.once("exit", r));
}

/** strace of every thread of `pid`; its wall-clock stamps are moved onto the monotonic clock. */
export function strace(pid: number, file: string): Tracer {
  const offset = performance.timeOrigin + performance.now() - monoMs();
  const p = run("strace", [
    "-f",
    "-ttt",
    "-T",
    "-e",
    `trace=${SYSCALLS.join(",")}`,
    "-o",
    file,
    "-p",
    `${pid}`,
  ]);
  return {
    stop: async () => {
      await stopped(p);
      const calls: Call[] = [];
      for (const line of readFileSync(file, "utf8").split("\n")) {
        const m = /^\d+\s+(\d+\.\d+)\s+(\w+)\((\d+)?.*<(\d+\.\d+)>$/.exec(line);
        if (!m) continue;
        const [, at, name, fd, dur] = m;
        calls.push({
          at: Number(at) * 1000 - offset,
          dur: Number(dur) * 1000,
          name: `${name}`,
          fd: Number(fd ?? -1),
        });
      }
      return { calls, offCpu: [] };
    },
  };
}

/** `perf record` of the syscalls' enter/exit of thread `tid` and of its context switches. */
export function perfRecord(tid: number, file: string): Tracer {
  const args = ["record", "-q", "-a", "-k", "mono", "-o", file];
  for (const s of SYSCALLS) {
    args.push("-e", `syscalls:sys_enter_${s}`, "--filter", `common_pid == ${tid}`);
    args.push("-e", `syscalls:sys_exit_${s}`, "--filter", `common_pid == ${tid}`);
  }
  args.push("-e", "sched:sched_switch", "--filter", `prev_pid == ${tid} || next_pid == ${tid}`);
  const p = run("perf", args);
  return {
    stop: async () => {
      await stopped(p);
      const script = spawnSync("perf", ["script", "-i", file, "-F", "tid,time,event,trace"], {
        encoding: "utf8",
        maxBuffer: 1 << 28,
      });
      return parsePerf(script.stdout, tid);
    },
  };
}

function parsePerf(text: string, tid: number): Trace {
  const calls: Call[] = [];
  const offCpu: OffCpu[] = [];
  const open = new Map<string, { at: number; fd: number }>();
  let off: { from: number; runnable: boolean } | null = null;
  for (const line of text.split("\n")) {
    const m = /^\s*(\d+)\s+(\d+\.\d+):\s+(\S+):\s*(.*)$/.exec(line);
    if (!m) continue;
    const [, , time, event, rest] = m as unknown as [string, string, string, string, string];
    const at = Number(time) * 1000;
    if (event === "sched:sched_switch") {
      const prev = Number(/prev_pid=(\d+)/.exec(rest)?.[1]);
      if (prev === tid) off = { from: at, runnable: /prev_state=R/.test(rest) };
      else if (off) {
        offCpu.push({ ...off, to: at });
        off = null;
      }
      continue;
    }
    const sys = /^syscalls:sys_(enter|exit)_(\w+)$/.exec(event);
    if (!sys) continue;
    const [, phase, name] = sys as unknown as [string, string, string];
    if (phase === "enter")
      open.set(name, { at, fd: Number.parseInt(/fd: (0x[0-9a-f]+)/.exec(rest)?.[1] ?? "-1", 16) });
    else {
      const start = open.get(name);
      open.delete(name);
      if (start) calls.push({ at: start.at, dur: at - start.at, name, fd: start.fd });
    }
  }
  return { calls, offCpu };
}
