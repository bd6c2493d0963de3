// Latency in a quiet room: 1 sender, N receivers, one message at a time — the next leaves only
// once every receiver has the last, so no message ever waits behind another. Send → receipt at
// every receiver, p50/p99, after a few warm-up messages; the delivery check as everywhere.
import { awaitEach, closeClients, collect, Integrity, openClients, send, verdict } from "../lib/load";
import type { Outcome, QuietRow } from "../lib/results";
import type { WsServer } from "../lib/stack";
import { latency } from "../lib/stats";
import type { RunContext } from "./context";

const WARM_UP = 5;

export async function quiet(ctx: RunContext, server: WsServer, n: number): Promise<Outcome<QuietRow>> {
  const integrity = new Integrity(server.name);
  const messages = WARM_UP + (ctx.quick ? 30 : 100);
  const room = await server.newRoom();
  const load = await openClients(
    ctx.procs,
    [
      { endpoint: room.endpoint(0), senderId: 0 },
      ...Array.from({ length: n }, (_, i) => ({ endpoint: room.endpoint(i + 1), senderId: null })),
    ],
    false,
  );
  const sender = load.children[0];
  if (!sender) throw new Error("no load process");
  for (let i = 1; i <= messages; i++) {
    await send(sender, 1, null);
    await awaitEach(load, i, 10_000);
  }
  const check = await collect(load, { [room.key]: { 0: messages } }, WARM_UP);
  integrity.add(`quiet ${n}`, verdict(check, await server.stored(room, messages)));
  await closeClients(load);
  return {
    rows: [
      {
        server: server.name,
        receivers: n,
        messages: messages - WARM_UP,
        latency: latency(check.latencies),
        integrity: integrity.summary(),
      },
    ],
    failures: integrity.failures,
  };
}
