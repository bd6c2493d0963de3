// npx tsx bench/probes/typed-trace.ts [--messages 1000] [--runs 3] [--modes typed,typed-ws,raw]
// Where a lone typed client's sends wait (issue 25): the same back-to-back sends as
// typed-sends.ts, timed on the client's side of the wire. Modes: `typed` (RoomSocket on Node's
// built-in WebSocket, as the bench line runs it), `typed-ws` (RoomSocket on the `ws` package's
// WebSocket), `raw` (a `ws` socket that keeps 16 sends with client_id on the wire itself, same
// query and subprotocol as the typed client). Printed per run: acks/s, sends on the wire when a
// send leaves, acks per incoming frame, the client's and workerd's CPU per message.
import { createRequire } from "node:module";
import { parseArgs } from "node:util";
import { SUBPROTOCOL, SUBPROTOCOL_V2 } from "../../src/protocol/handshake";
import { processCpuNs } from "../lib/cpu";
import { runProbe } from "../lib/probe";
import { startStack } from "../lib/stack";

const require = createRequire(import.meta.url);
const WsWebSocket = require("ws") as typeof import("ws").WebSocket;

type Room = {
  pendingSends: number;
  whenReady: () => Promise<unknown>;
  send: (content: string) => Promise<unknown>;
  close: () => void;
  ws: {
    send: (d: string) => void;
    addEventListener: (t: "message", l: (e: { data: unknown }) => void) => void;
  };
};
type RoomSocketClass = new (o: {
  baseUrl: string;
  roomId: number;
  token: string;
  sendWindow: number;
  WebSocket?: unknown;
}) => Room;
const CLIENT_MODULE = "../../client/src/index.ts";

const { values: flags } = parseArgs({
  options: { messages: { type: "string" }, runs: { type: "string" }, modes: { type: "string" } },
});
const messages = Number(flags.messages ?? 1000);
const runs = Number(flags.runs ?? 3);
const modes = (flags.modes ?? "typed,typed-ws,raw").split(",");
const WINDOW = 16;

/** Per run: when each ack arrived, sends on the wire as each send left, frames received. */
type Trace = { ackAt: number[]; onWire: number[]; framesWithAcks: number; frames: number };
const newTrace = (): Trace => ({ ackAt: [], onWire: [], framesWithAcks: 0, frames: 0 });

const countAcks = (data: unknown, trace: Trace) => {
  const text = typeof data === "string" ? data : String(data);
  trace.frames++;
  const n = (text.match(/"type":"ack"/g) ?? []).length;
  if (n > 0) trace.framesWithAcks++;
  const now = performance.now();
  for (let i = 0; i < n; i++) trace.ackAt.push(now);
};

async function runTyped(
  RoomSocket: RoomSocketClass,
  ep: { port: number; roomId: number; token: string },
  useWs: boolean,
) {
  const room = new RoomSocket({
    baseUrl: `http://127.0.0.1:${ep.port}`,
    roomId: ep.roomId,
    token: ep.token,
    sendWindow: WINDOW,
    ...(useWs ? { WebSocket: WsWebSocket } : {}),
  });
  await room.whenReady();
  const trace = newTrace();
  const send = room.ws.send.bind(room.ws);
  let sent = 0;
  room.ws.send = (d: string) => {
    // The outbox settles an ack before it sends the next: sends left minus sends settled.
    if (d.includes('"message.send"')) trace.onWire.push(++sent - (added - room.pendingSends));
    send(d);
  };
  room.ws.addEventListener("message", (e) => countAcks(e.data, trace));
  const t0 = performance.now();
  let added = 0;
  await Promise.all(
    Array.from({ length: messages }, (_, i) => {
      added++;
      return room.send(`m${i}`);
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  room.close();
  return { seconds, trace };
}

async function runRaw(ep: { port: number; roomId: number; token: string }) {
  const url = `ws://127.0.0.1:${ep.port}/ws/${ep.roomId}?batch=1&ordered=1&sync=1`;
  const ws = new WsWebSocket(url, [SUBPROTOCOL_V2, SUBPROTOCOL, `bearer.${ep.token}`], {
    perMessageDeflate: false,
  });
  const trace = newTrace();
  let next = 0;
  let acked = 0;
  let t0 = 0;
  const pump = () => {
    while (next < messages && next - acked < WINDOW) {
      trace.onWire.push(next - acked + 1);
      ws.send(JSON.stringify({ type: "message.send", content: `m${next}`, client_id: crypto.randomUUID() }));
      next++;
    }
  };
  const done = new Promise<void>((resolve, reject) => {
    ws.on("error", reject);
    ws.on("message", (raw: Buffer) => {
      const text = raw.toString();
      type F = { type: string; token?: string };
      const parsed = JSON.parse(text) as F | F[];
      const frames = Array.isArray(parsed) ? parsed : [parsed];
      if (frames.some((f) => f.type === "ready")) {
        t0 = performance.now();
        pump();
        return;
      }
      countAcks(text, trace);
      for (const f of frames) {
        if (f.type === "sync") ws.send(JSON.stringify(f));
        if (f.type === "ack") acked++;
        if (f.type === "error") reject(new Error(text));
      }
      if (acked === messages) resolve();
      else pump();
    });
  });
  await done;
  const seconds = (performance.now() - t0) / 1000;
  ws.close();
  return { seconds, trace };
}

const stack = await startStack(new Set(["roomcast-client"]));
await runProbe(stack, async () => {
  const { RoomSocket } = (await import(CLIENT_MODULE)) as { RoomSocket: RoomSocketClass };
  const server = stack.ws.find((s) => s.name === "roomcast-client");
  const pid = stack.pids.roomcast ?? 0;
  if (!server || !pid) throw new Error("no roomcast-client line");
  const rows = new Map<string, number[]>();
  for (let r = 0; r < runs; r++) {
    for (const mode of modes) {
      const benchRoom = await server.newRoom();
      const ep = benchRoom.endpoint(0);
      if (ep.kind !== "roomcast-client") throw new Error("not the typed client's endpoint");
      const cpu0 = processCpuNs(pid);
      const me0 = process.cpuUsage();
      const { seconds, trace } =
        mode === "raw" ? await runRaw(ep) : await runTyped(RoomSocket, ep, mode === "typed-ws");
      const me = process.cpuUsage(me0);
      const cpuUs = (processCpuNs(pid) - cpu0) / 1e3 / messages;
      const clientUs = (me.user + me.system) / messages;
      const wrong = await server.stored(benchRoom, messages);
      if (wrong) throw new Error(`${mode}: ${wrong}`);
      const { ackAt, onWire } = trace;
      const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
      const perSec = messages / seconds;
      rows.set(mode, [...(rows.get(mode) ?? []), perSec]);
      console.log(
        `run ${r + 1} ${mode}: ${perSec.toFixed(0)} acks/s, ${mean(onWire).toFixed(1)} (max ${Math.max(...onWire)}) on the wire as a send leaves, ${(ackAt.length / Math.max(1, trace.framesWithAcks)).toFixed(2)} acks per frame with acks, ${trace.frames} frames; client ${clientUs.toFixed(0)} µs, workerd ${cpuUs.toFixed(0)} µs CPU per message`,
      );
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  for (const [m, xs] of rows) console.log(`${m}: ${median(xs).toFixed(0)} acks/s median of ${xs.length}`);
});
