// A minimal DevTools-protocol session on workerd's inspector (`--inspector-addr`), for V8 CPU
// profiles of the worker: self time per function, and total time (self + callees) per function.
import WebSocket from "ws";

export type ProfileNode = {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
};
export type CpuProfile = { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };

/** Connects to the inspector's first target (the worker) with the profiler enabled. */
export async function inspector(port: number, intervalUs = 100) {
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as Array<{
    webSocketDebuggerUrl: string;
  }>;
  const url = targets[0]?.webSocketDebuggerUrl;
  if (!url) throw new Error("no inspector target");
  const ws = new WebSocket(url);
  await new Promise((r, j) => ws.once("open", r).once("error", j));
  let id = 0;
  const call = (method: string, params: object = {}) =>
    new Promise<Record<string, unknown>>((resolve) => {
      const mine = ++id;
      const onMessage = (data: Buffer) => {
        const m = JSON.parse(String(data)) as { id?: number; result?: Record<string, unknown> };
        if (m.id === mine) {
          ws.off("message", onMessage);
          resolve(m.result ?? {});
        }
      };
      ws.on("message", onMessage);
      ws.send(JSON.stringify({ id: mine, method, params }));
    });
  await call("Profiler.enable");
  await call("Profiler.setSamplingInterval", { interval: intervalUs });
  const stop = async () => ((await call("Profiler.stop")) as { profile: CpuProfile }).profile;
  return { call, start: () => call("Profiler.start"), stop, close: () => ws.close() };
}

const keyOf = (f: ProfileNode["callFrame"]) =>
  `${f.functionName || "(anonymous)"} ${f.url.split("/").pop()}:${f.lineNumber + 1}`;

/** Self time per function, µs in all, highest first. */
export function selfTimes(profile: CpuProfile): Array<[string, number]> {
  const byNode = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<string, number>();
  profile.samples.forEach((nodeId, i) => {
    const f = byNode.get(nodeId)?.callFrame;
    const key = f ? keyOf(f) : "?";
    self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  return [...self].sort((a, b) => b[1] - a[1]);
}

/** Total time per function (each sample counted once per function on its stack), µs in all. */
export function totalTimes(profile: CpuProfile): Array<[string, number]> {
  const byNode = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const c of node.children ?? []) parent.set(c, node.id);
  const total = new Map<string, number>();
  profile.samples.forEach((nodeId, i) => {
    const seen = new Set<string>();
    for (let id: number | undefined = nodeId; id !== undefined; id = parent.get(id)) {
      const f = byNode.get(id)?.callFrame;
      if (f) seen.add(keyOf(f));
    }
    for (const key of seen) total.set(key, (total.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  return [...total].sort((a, b) => b[1] - a[1]);
}
