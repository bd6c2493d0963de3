// `perf` on a workerd process, its samples grouped by layer: shared by the fan-out and REST probes.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export const PERF_HZ = 999;

/** Layers, matched in order against `dso symbol`; the first match wins. */
export const LAYERS: Array<[string, RegExp]> = [
  ["zlib (permessage-deflate)", /deflate|inflate|zlib|crc32|adler32|longest_match/i],
  ["SQLite (Durable Object storage)", /sqlite|Sqlite/],
  ["kernel: network, syscalls, scheduling", /^\[kernel/],
  [
    "WebSocket, HTTP and pipes (kj, hyper)",
    /WebSocket|kj_hyper|hyper::|HttpService|Http[A-Z]|AsyncPipe|Pump/,
  ],
  ["memory allocation (tcmalloc)", /tcmalloc|TCMalloc/],
  ["JavaScript (V8 builtins, JIT code)", /\bBuiltins_|\[unknown\]|\bJIT\b|perf-\d+\.map/],
  ["V8 runtime and garbage collection", /v8::|cppgc::|\bv8_/],
  ["event loop, promises, isolate lock (kj, tokio)", /kj::|kj_rs|tokio|IoContext|InputGate|OutputGate/],
  ["workerd API and JS glue (jsg)", /workerd::/],
  ["libc (memcpy and the like)", /libc\.so|libstdc|libm\.so/],
];

/** Starts `perf record` on `pid`; `stop()` ends it and returns the perf.data path. */
export async function perfRecord(pid: number | string): Promise<{ stop: () => Promise<string> }> {
  const data = path.join(mkdtempSync(path.join(os.tmpdir(), "roomcast-perf-")), "perf.data");
  const perf: ChildProcess = spawn(
    "perf",
    ["record", "-F", String(PERF_HZ), "-g", "-p", String(pid), "-o", data],
    {
      stdio: "ignore",
    },
  );
  await new Promise((r) => setTimeout(r, 500));
  return {
    stop: async () => {
      perf.kill("SIGINT");
      await new Promise((r) => perf.once("exit", r));
      return data;
    },
  };
}

/** Self time per symbol of a recording, grouped by layer: the CPU seconds sampled and each layer's percent. */
export function layersOf(
  data: string,
  top = 0,
): { cpuSeconds: number; byLayer: Map<string, number>; symbols: Array<[string, number]> } {
  const report = execFileSync(
    "perf",
    [
      "report",
      "-i",
      data,
      "--no-children",
      "--sort",
      "dso,sym",
      "--stdio",
      "-g",
      "none",
      "--percent-limit",
      "0",
    ],
    { maxBuffer: 64 * 2 ** 20 },
  ).toString();
  // perf's default event here is cpu-clock, whose event count is CPU time in nanoseconds.
  const cpuNs = Number(report.match(/# Event count \(approx\.\): (\d+)/)?.[1] ?? Number.NaN);
  const byLayer = new Map<string, number>();
  const symbols: Array<[string, number]> = [];
  for (const line of report.split("\n")) {
    const m = line.match(/^\s+([\d.]+)%\s+(.*)$/);
    if (!m?.[1] || !m[2]) continue;
    const layer = LAYERS.find(([, re]) => re.test(m[2] ?? ""))?.[0] ?? "other";
    byLayer.set(layer, (byLayer.get(layer) ?? 0) + Number(m[1]));
    if (symbols.length < top) symbols.push([m[2].trim().replace(/\s+/g, " "), Number(m[1])]);
  }
  return { cpuSeconds: cpuNs / 1e9, byLayer, symbols };
}
