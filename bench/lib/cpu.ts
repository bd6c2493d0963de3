import { readdirSync, readFileSync } from "node:fs";

/** CPU time of one thread of `pid`, in ns (schedstat's first field); 0 once it is gone. */
export function threadCpuNs(pid: number | string, tid: number | string = pid): number {
  try {
    return Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
  } catch {
    return 0;
  }
}

/** CPU time of every thread of `pid`, in ns: figures that hold up on a busy machine. */
export const processCpuNs = (pid: number | string): number =>
  readdirSync(`/proc/${pid}/task`).reduce((sum, tid) => sum + threadCpuNs(pid, tid), 0);
