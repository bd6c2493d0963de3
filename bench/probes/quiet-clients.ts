// The clients of the quiet-room probes (quiet-timeline.ts, quiet-cpu.ts): open a socket, send one
// message into a quiet room and wait until every receiver (and the sender's ack) has it.
import WebSocket from "ws";
import type { Stack } from "../lib/stack";
import { monoMs } from "./quiet-tracers";

/** An open client; `onFrame` sets who hears its frames (with their receipt time, monotonic ms). */
export type Client = { ws: WebSocket; onFrame: (f: (text: string, at: number) => void) => void };

/** Opens a client; resolves once `ready` accepts a frame (the server's hello). */
export function open(url: string, ready: (text: string) => boolean): Promise<Client> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    let listener: ((t: string, at: number) => void) | null = null;
    let opened = false;
    const onFrame = (f: (t: string, at: number) => void) => {
      listener = f;
    };
    ws.on("error", reject);
    ws.on("message", (raw: Buffer) => {
      const at = monoMs();
      const text = raw.toString();
      if (opened) return listener?.(text, at);
      if (ready(text)) {
        opened = true;
        resolve({ ws, onFrame });
      }
    });
  });
}

export type Trial = { sentAt: number; ack: number; first: number; last: number };

/** One message, sent when the room is quiet; resolves when every receiver (and the ack) has it. */
export async function one(
  sender: Client,
  rx: Client[],
  body: string,
  isAck: ((t: string) => boolean) | null,
): Promise<Trial> {
  const tag = `quiet-${Math.random().toString(36).slice(2)}`;
  const seen: number[] = [];
  let ackAt = Number.NaN;
  const done = new Promise<void>((resolve) => {
    const check = () => {
      if (seen.length === rx.length && (isAck === null || !Number.isNaN(ackAt))) resolve();
    };
    for (const r of rx)
      r.onFrame((t, at) => {
        if (t.includes(tag)) seen.push(at);
        check();
      });
    sender.onFrame((t, at) => {
      if (isAck?.(t)) ackAt = at;
      check();
    });
  });
  const sentAt = monoMs();
  sender.ws.send(body.replace("TAG", tag));
  await done;
  return { sentAt, ack: ackAt - sentAt, first: Math.min(...seen) - sentAt, last: Math.max(...seen) - sentAt };
}

/** `n` messages one at a time, `interval` ms apart (0: the next as soon as the last has arrived, as the bench's quiet line). */
export async function quietRun(
  sender: Client,
  rx: Client[],
  body: string,
  isAck: ((t: string) => boolean) | null,
  n: number,
  interval: number,
): Promise<Trial[]> {
  const trials: Trial[] = [];
  for (let i = 0; i < n; i++) {
    trials.push(await one(sender, rx, body, isAck));
    if (interval > 0) await new Promise((r) => setTimeout(r, interval));
  }
  return trials;
}

/** p-quantile of `xs` (nearest rank below). */
export const quantile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.floor(p * (xs.length - 1))] ?? Number.NaN;

/**
 * A fresh room on the stack's `roomcast` line with a sender and `receivers` batching receivers,
 * warmed up (compiled, alarms settled): what the quiet CPU probes measure from.
 */
export async function warmBatchingRoom(stack: Stack, receivers: number) {
  const rc = stack.ws.find((s) => s.name === "roomcast");
  const pid = stack.pids.roomcast ?? 0;
  if (!rc || !pid) throw new Error("no roomcast");
  const room = await rc.newRoom();
  const url = (i: number) => {
    const ep = room.endpoint(i);
    return ep.kind === "roomcast"
      ? `ws://127.0.0.1:${ep.port}/ws/${ep.roomId}?token=${ep.token}&batch=1`
      : "";
  };
  const ready = (t: string) => t.includes('"type":"ready"');
  const sender = await open(url(0), ready);
  const rx = await Promise.all(Array.from({ length: receivers }, (_, i) => open(url(i + 1), ready)));
  const body = JSON.stringify({ type: "message.send", content: "TAG" });
  const isAck = (t: string) => t.includes('"type":"ack"');
  await quietRun(sender, rx, body, isAck, 100, 0);
  return { pid, sender, rx, body, isAck };
}
