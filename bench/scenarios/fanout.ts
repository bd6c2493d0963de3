// Fan-out in one room: 1 sender, N receivers. Saturation (messages back to back, first send to
// last delivery), then latency at a fixed offered load of half the measured saturation rate.
import {
  closeClients,
  collect,
  Integrity,
  openClients,
  type Placement,
  send,
  verdict,
  waitDelivered,
} from "../lib/load";
import type { Compression, FanoutRow, Outcome } from "../lib/results";
import type { BenchRoom, WsServer } from "../lib/stack";
import { latency, summarise } from "../lib/stats";
import type { RunContext } from "./context";

const placements = (room: BenchRoom, n: number): Placement[] => [
  { endpoint: room.endpoint(0), senderId: 0 },
  ...Array.from({ length: n }, (_, i) => ({ endpoint: room.endpoint(i + 1), senderId: null })),
];

export async function fanout(
  ctx: RunContext,
  server: WsServer,
  n: number,
  deflate: boolean,
): Promise<Outcome<FanoutRow>> {
  const integrity = new Integrity(server.name);
  const sat: number[] = [];
  let compression: Compression = { deflate, negotiated: 0, connections: 0 };
  const messages = ctx.quick ? (n >= 100 ? 100 : 300) : n >= 1000 ? 200 : n >= 100 ? 500 : 1000;
  for (let run = 0; run < ctx.runs; run++) {
    const room = await server.newRoom();
    const load = await openClients(ctx.procs, placements(room, n), deflate);
    compression = load.compression;
    const sender = load.children[0];
    if (!sender) throw new Error("no load process");
    const { firstAt } = await send(sender, messages, null);
    const done = await waitDelivered(load, messages * (n + 1), 120_000);
    sat.push(messages / ((done.lastReceiveAt - firstAt) / 1000));
    const check = await collect(load, { [room.key]: { 0: messages } });
    integrity.add(`fan-out ${n}`, verdict(check, await server.stored(room, messages)));
    await closeClients(load);
  }
  const msgsPerSec = summarise(sat);
  // Latency at a fixed offered load of about half the saturation rate.
  const rate = Math.max(1, Math.floor(msgsPerSec.median / 2));
  const count = Math.max(20, Math.min(rate * (ctx.quick ? 1 : 3), 3000));
  const room = await server.newRoom();
  const load = await openClients(ctx.procs, placements(room, n), deflate);
  const sender = load.children[0];
  if (!sender) throw new Error("no load process");
  await send(sender, count, rate);
  await waitDelivered(load, count * (n + 1), 120_000);
  const check = await collect(load, { [room.key]: { 0: count } });
  integrity.add(`fan-out ${n} (paced)`, verdict(check, await server.stored(room, count)));
  await closeClients(load);
  return {
    rows: [
      {
        server: server.name,
        ...compression,
        receivers: n,
        msgsPerSec,
        deliveriesPerSec: summarise(sat.map((x) => x * (n + 1))),
        latency: { ...latency(check.latencies), offeredPerSec: rate },
        integrity: integrity.summary(),
      },
    ],
    failures: integrity.failures,
  };
}
