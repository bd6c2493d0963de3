// A DevTools-protocol session on a server's inspector for memory (workerd's `--inspector-addr`,
// Node's `--inspect`; lib/inspector.ts is the CPU profiler's): read the JS heap, and take a heap
// snapshot summarised by constructor. A snapshot
// starts with a full garbage collection, which is how a figure is made independent of the
// collector's timing: workerd's inspector does not answer `HeapProfiler.collectGarbage`.
import WebSocket from "ws";

type Target = { id?: string; title?: string; url?: string; webSocketDebuggerUrl: string };

export type Heap = { used: number; embedder: number };
export type Group = { name: string; count: number; bytes: number };

export type Inspector = {
  /** Bytes in use: the JS heap, and the embedder's (workerd's C++ objects on V8's managed heap). */
  heap: () => Promise<Heap>;
  /** A full GC, then the live objects by constructor: count and self bytes, largest first. */
  snapshot: () => Promise<Group[]>;
  close: () => void;
};

/** The inspector's targets (workerd lists one per worker, Node one per process). */
export const targets = async (port: number) =>
  (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as Target[];

/** Connects to the inspector's target number `index`. */
export async function heapInspector(port: number, index = 0): Promise<Inspector> {
  const target = (await targets(port))[index];
  if (!target) throw new Error(`no inspector target ${index} on port ${port}`);
  const ws = new WebSocket(target.webSocketDebuggerUrl, { maxPayload: 2 ** 31 });
  await new Promise((r, j) => ws.once("open", r).once("error", j));
  let id = 0;
  const chunks: string[] = [];
  const waiting = new Map<number, (result: Record<string, unknown>) => void>();
  ws.on("message", (data: Buffer) => {
    const m = JSON.parse(String(data)) as { id?: number; method?: string; params?: { chunk: string } };
    if (m.method === "HeapProfiler.addHeapSnapshotChunk" && m.params) chunks.push(m.params.chunk);
    if (m.id === undefined) return;
    waiting.get(m.id)?.((m as { result?: Record<string, unknown> }).result ?? {});
    waiting.delete(m.id);
  });
  const call = (method: string, params: object = {}) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const mine = ++id;
      const timer = setTimeout(() => reject(new Error(`inspector: no answer to ${method}`)), 120_000);
      waiting.set(mine, (result) => {
        clearTimeout(timer);
        resolve(result);
      });
      ws.send(JSON.stringify({ id: mine, method, params }));
    });
  // Without these, workerd leaves the other calls unanswered.
  await call("Runtime.enable");
  await call("HeapProfiler.enable");
  return {
    heap: async () => {
      const r = await call("Runtime.getHeapUsage");
      return { used: Number(r.usedSize), embedder: Number(r.embedderHeapUsedSize ?? 0) };
    },
    snapshot: async () => {
      chunks.length = 0;
      await call("HeapProfiler.takeHeapSnapshot", { reportProgress: false });
      return byConstructor(JSON.parse(chunks.join("")) as HeapSnapshot);
    },
    close: () => ws.close(),
  };
}

type HeapSnapshot = {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
  strings: string[];
};

/** Self size and count of the snapshot's nodes, grouped by type and name (a constructor, for objects). */
function byConstructor(s: HeapSnapshot) {
  const fields = s.snapshot.meta.node_fields;
  const [type, name, size] = ["type", "name", "self_size"].map((f) => fields.indexOf(f)) as [
    number,
    number,
    number,
  ];
  const types = s.snapshot.meta.node_types[0];
  const groups = new Map<string, { name: string; count: number; bytes: number }>();
  for (let i = 0; i < s.nodes.length; i += fields.length) {
    const kind = types[s.nodes[i + type] as number] ?? "?";
    // Strings and code are grouped by kind; objects and native wrappers by constructor name.
    const label =
      kind === "object" || kind === "native" ? (s.strings[s.nodes[i + name] as number] ?? "?") : `(${kind})`;
    const g = groups.get(label) ?? { name: label, count: 0, bytes: 0 };
    g.count++;
    g.bytes += s.nodes[i + size] as number;
    groups.set(label, g);
  }
  return [...groups.values()].sort((a, b) => b.bytes - a.bytes);
}
