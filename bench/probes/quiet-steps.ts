// The steps of one quiet message in a trace of the room's workerd (quiet-tracers.ts), for
// bench/probes/quiet-timeline.ts: what the room's thread did between the sender's frame arriving
// and the last frame leaving, how many durable commits (an fsync of one SQLite file each) the
// frames waited for, and how long each took.
import type { Call, OffCpu, Trace } from "./quiet-tracers";

/** A message's steps, in ms. */
export type Steps = {
  /** client send → the room reads the frame (the client's, the kernel's and the loop's work) */
  wireIn: number;
  /** frame read → the first SQLite write: the room's code (parse, rules, sequence, frames queued) */
  code: number;
  /** of `code`, the time the thread was preempted (runnable, but another process had the CPU) */
  codePreempted: number;
  /** of `code`, the time the thread slept (waiting for I/O or a timer) */
  codeAsleep: number;
  /** the durable commits before the first frame left: file, ms each (from the previous step's end) */
  commits: Array<{ file: string; ms: number; fsyncMs: number }>;
  /** last commit durable → first frame written */
  release: number;
  /** first → last frame written (the fan-out's sends) */
  sends: number;
  /** last frame written → the last receiver has it */
  wireOut: number;
  /** durable commits after the frames, before the next message (off the path) */
  after: string[];
  total: number;
};

const isSend = (c: Call) => c.name === "sendto" || c.name === "writev";
const isSync = (c: Call) => c.name === "fsync" || c.name === "fdatasync";

function offCpu(off: OffCpu[], from: number, to: number, runnable: boolean): number {
  let sum = 0;
  for (const o of off)
    if (o.runnable === runnable) sum += Math.max(0, Math.min(o.to, to) - Math.max(o.from, from));
  return sum;
}

/** What a SQLite file is (`<folder>/<file>`): the runtime's alarm manager, or an object's database. */
export function label(file: string): string {
  const [dir = "", base = file] = file.split("/");
  if (base.startsWith("metadata.sqlite"))
    return `alarm manager (${dir.replace(/^roomcast-/, "")} metadata.sqlite)`;
  if (/^[0-9a-f]{64}\.sqlite/.test(base)) return `${dir.replace(/^roomcast-/, "")} object's database`;
  return file;
}

/**
 * Splits each message's window [send, last receipt] into steps (the sender's frame is the first
 * read of a client socket after the send); `files` names the fds.
 */
export function messageSteps(
  trace: Trace,
  sentAt: number[],
  lastAt: number[],
  files: Map<number, string>,
): Steps[] {
  const out: Steps[] = [];
  const clients = new Set([...files].filter(([, name]) => name === "client").map(([fd]) => fd));
  sentAt.forEach((t0, i) => {
    const t1 = lastAt[i] as number;
    const next = sentAt[i + 1] ?? Number.POSITIVE_INFINITY;
    const win = trace.calls.filter((c) => c.at >= t0 && c.at <= t1);
    const read = win.find((c) => c.name === "recvfrom" && clients.has(c.fd));
    const sends = win.filter((c) => isSend(c) && clients.has(c.fd));
    const first = sends[0];
    const last = sends[sends.length - 1];
    if (!read || !first || !last) return;
    const before = win.filter((c) => c.at < first.at && c.at > read.at);
    const firstWrite = before.find((c) => c.name === "pwrite64");
    const commits: Steps["commits"] = [];
    let start = firstWrite?.at ?? read.at;
    for (const f of before.filter(isSync)) {
      commits.push({
        file: label(files.get(f.fd) ?? `fd ${f.fd}`),
        ms: f.at + f.dur - start,
        fsyncMs: f.dur,
      });
      start = f.at + f.dur;
    }
    const readEnd = read.at + read.dur;
    const codeEnd = firstWrite?.at ?? first.at;
    const later = trace.calls.filter((c) => isSync(c) && c.at > last.at && c.at < next);
    out.push({
      wireIn: read.at - t0,
      code: codeEnd - readEnd,
      codePreempted: offCpu(trace.offCpu, readEnd, codeEnd, true),
      codeAsleep: offCpu(trace.offCpu, readEnd, codeEnd, false),
      commits,
      release: first.at - start,
      sends: last.at + last.dur - first.at,
      wireOut: t1 - (last.at + last.dur),
      after: later.map((c) => label(files.get(c.fd) ?? `fd ${c.fd}`)),
      total: t1 - t0,
    });
  });
  return out;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] ?? Number.NaN;

/** Prints the median of each step and how many commits a message's frames waited for. */
export function printSteps(steps: Steps[], withOffCpu: boolean) {
  const counts = steps.map((s) => s.commits.length);
  const per = (xs: number[]) => (xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length)).toFixed(2);
  console.log(`fsyncs the frames waited for, per message: ${per(counts)} (${counts.join(" ")})`);
  const after = steps.map((s) => s.after.length);
  console.log(`fsyncs after the frames (off the path, until the next message), per message: ${per(after)}`);
  const tally = new Map<string, number>();
  for (const file of steps.flatMap((s) => s.after)) tally.set(file, (tally.get(file) ?? 0) + 1);
  for (const [file, n] of tally) console.log(`  ${file}: ${(n / Math.max(1, steps.length)).toFixed(2)}`);
  const files = [...new Set(steps.flatMap((s) => s.commits.map((c) => c.file)))];
  const rows: Array<[string, number]> = [
    ["client send → room reads the frame", median(steps.map((s) => s.wireIn))],
    ["room code until the first SQLite write", median(steps.map((s) => s.code))],
    ...(withOffCpu
      ? [
          ["  of which preempted by other processes", median(steps.map((s) => s.codePreempted))] as [
            string,
            number,
          ],
        ]
      : []),
    ...files.flatMap((file): Array<[string, number]> => {
      const of = steps.flatMap((s) => s.commits.filter((c) => c.file === file));
      return [
        [`commit of the ${file}: write + fsync`, median(of.map((c) => c.ms))],
        ["  of which the fsync", median(of.map((c) => c.fsyncMs))],
      ];
    }),
    ["commit durable → first frame written", median(steps.map((s) => s.release))],
    ["first → last frame written", median(steps.map((s) => s.sends))],
    ["last frame written → last receiver has it", median(steps.map((s) => s.wireOut))],
    ["total: send → last receiver", median(steps.map((s) => s.total))],
  ];
  console.log("| step (median over the traced messages) | ms |\n| --- | --- |");
  for (const [name, ms] of rows) console.log(`| ${name} | ${ms.toFixed(2)} |`);
}
