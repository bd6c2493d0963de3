// Many rooms: R rooms × 5 members, every member sending 10 msg/s; aggregate deliveries/s and
// latency, and the delivery check for every room.
import { closeClients, collect, Integrity, openClients, send, verdict, waitDelivered } from "../lib/load";
import type { Compression, Outcome, RoomsRow } from "../lib/results";
import type { WsServer } from "../lib/stack";
import { latency, summarise } from "../lib/stats";
import type { RunContext } from "./context";

const MEMBERS = 5;
const RATE = 10; // messages per second per member

export async function manyRooms(
  ctx: RunContext,
  server: WsServer,
  roomCount: number,
  deflate: boolean,
): Promise<Outcome<RoomsRow>> {
  const integrity = new Integrity(server.name);
  const perMember = ctx.quick ? 10 : 30;
  const dps: number[] = [];
  const lat: number[] = [];
  let compression: Compression = { deflate, negotiated: 0, connections: 0 };
  for (let run = 0; run < ctx.runs; run++) {
    const rooms = await Promise.all(Array.from({ length: roomCount }, () => server.newRoom()));
    const load = await openClients(
      ctx.procs,
      rooms.flatMap((room, r) =>
        Array.from({ length: MEMBERS }, (_, m) => ({
          endpoint: room.endpoint(r * MEMBERS + m),
          senderId: r * MEMBERS + m,
        })),
      ),
      deflate,
    );
    compression = load.compression;
    const started = performance.timeOrigin + performance.now();
    await Promise.all(load.children.map((c) => send(c, perMember, RATE)));
    const done = await waitDelivered(load, roomCount * MEMBERS * perMember * MEMBERS, 120_000);
    dps.push(done.received / ((done.lastReceiveAt - started) / 1000));
    const expected = Object.fromEntries(
      rooms.map((room, r) => [
        room.key,
        Object.fromEntries(Array.from({ length: MEMBERS }, (_, m) => [r * MEMBERS + m, perMember])),
      ]),
    );
    const check = await collect(load, expected);
    lat.push(...check.latencies);
    const stored = (await Promise.all(rooms.map((room) => server.stored(room, MEMBERS * perMember)))).filter(
      (s): s is string => s !== null,
    );
    integrity.add(`${roomCount} rooms`, verdict(check, stored.length ? stored.join("; ") : null));
    await closeClients(load);
  }
  return {
    rows: [
      {
        server: server.name,
        ...compression,
        rooms: roomCount,
        offeredPerSec: roomCount * MEMBERS * RATE,
        deliveriesPerSec: summarise(dps),
        latency: latency(lat),
        integrity: integrity.summary(),
      },
    ],
    failures: integrity.failures,
  };
}
