import { type ChildProcess, spawn } from "node:child_process";

/**
 * `perf stat` on a process until stopped (its instructions and `fsync` calls, for the probes);
 * resolves with its counters by event name. Empty if `perf` cannot run here.
 */
export function perfStat(pid: string | number): { stop: () => Promise<Record<string, number>> } {
  const events = "instructions,syscalls:sys_enter_fsync,syscalls:sys_enter_fdatasync";
  const p: ChildProcess = spawn("perf", ["stat", "-x", ",", "-e", events, "-p", String(pid)], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let err = "";
  p.stderr?.on("data", (d) => {
    err += String(d);
  });
  p.on("error", () => {});
  return {
    stop: async () => {
      if (p.exitCode === null && p.signalCode === null) {
        p.kill("SIGINT");
        await new Promise((r) => p.once("exit", r));
      }
      const out: Record<string, number> = {};
      for (const line of err.split("\n")) {
        const [value, , name] = line.split(",");
        if (name && value && !Number.isNaN(Number(value))) out[name] = Number(value);
      }
      return out;
    },
  };
}

/** `fsync` and `fdatasync` calls in a `perfStat` result (NaN if perf did not count them). */
export const fsyncsOf = (counters: Record<string, number>): number =>
  (counters["syscalls:sys_enter_fsync"] ?? Number.NaN) + (counters["syscalls:sys_enter_fdatasync"] ?? 0);
