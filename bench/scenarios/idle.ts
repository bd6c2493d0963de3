// Idle cost: resident memory of the server's processes per 1,000 idle connected sockets, and
// again after 15 s idle, when a room object may hibernate.
import { closeClients, openClients } from "../lib/load";
import type { IdleRow, Outcome } from "../lib/results";
import type { WsServer } from "../lib/stack";
import { type RunContext, sleep } from "./context";

export async function idle(ctx: RunContext, server: WsServer, deflate: boolean): Promise<Outcome<IdleRow>> {
  const sockets = ctx.quick ? 200 : 1000;
  const room = await server.newRoom();
  const placements = Array.from({ length: sockets }, (_, i) => ({
    endpoint: room.endpoint(i),
    senderId: null,
  }));
  // A first round warms the process up (code, caches, the room object), so the figure is the
  // marginal memory of idle sockets, not start-up growth. A small one: memory freed by N closed
  // sockets stays with the allocator and the next N would reuse it (bench/README.md, idle memory).
  await closeClients(await openClients(ctx.procs, placements.slice(0, Math.max(10, sockets / 20)), deflate));
  await sleep(ctx.quick ? 1000 : 2000);
  const before = server.memoryKiB();
  const load = await openClients(ctx.procs, placements, deflate);
  await sleep(1000);
  const connected = server.memoryKiB();
  let afterIdle: number | null = null;
  if (!ctx.quick) {
    // Room objects hibernate after ~10 s without events; sockets stay connected.
    await sleep(15_000);
    afterIdle = server.memoryKiB();
  }
  await closeClients(load);
  const per1000 = (kib: number) => ((kib - before) * 1000) / sockets;
  return {
    rows: [
      {
        server: server.name,
        ...load.compression,
        sockets,
        kibPer1000: per1000(connected),
        kibPer1000AfterIdle: afterIdle === null ? null : per1000(afterIdle),
      },
    ],
    failures: [],
  };
}
