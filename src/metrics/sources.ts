import { count } from "drizzle-orm";
import { outboxRejects, outboxStuck, rooms } from "../db/schema";
import { withDeadline } from "./deadline";
import { gaugesStub } from "./gauges-object";
import type { MetricSource } from "./registry";

/** Live numbers the rooms report to the gauges object: no PostgreSQL, no room woken. */
const liveRooms: MetricSource = {
  name: "rooms",
  collect: async (c) => {
    const t = await withDeadline(gaugesStub(c.env).totals());
    return [
      { name: "roomcast_open_sockets", help: "Open room WebSockets", read: () => [{ value: t.sockets }] },
      {
        name: "roomcast_live_rooms",
        help: "Rooms with an open socket or events not yet in PostgreSQL",
        read: () => [{ value: t.liveRooms }],
      },
      {
        name: "roomcast_outbox_backlog_events",
        help: "Events acknowledged by rooms and not yet copied to PostgreSQL (as of each room's last copy attempt)",
        read: () => [{ value: t.backlog }],
      },
      {
        name: "roomcast_outbox_backlog_rooms",
        help: "Rooms whose outbox backlog is not empty",
        read: () => [{ value: t.roomsWithBacklog }],
      },
    ];
  },
};

/** Counts only PostgreSQL holds: rooms by kind, stuck rooms, events set aside. Three small queries. */
const postgres: MetricSource = {
  name: "postgres",
  collect: async (c) => {
    const db = c.var.db;
    const [byKind, [stuck], [rejected]] = await withDeadline(
      Promise.all([
        db.select({ kind: rooms.kind, n: count() }).from(rooms).groupBy(rooms.kind),
        db.select({ n: count() }).from(outboxStuck),
        db.select({ n: count() }).from(outboxRejects),
      ]),
    );
    return [
      {
        name: "roomcast_rooms",
        help: "Rooms in PostgreSQL, by kind",
        read: () =>
          (["public", "private", "direct"] as const).map((kind) => ({
            labels: { kind },
            value: Number(byKind.find((r) => r.kind === kind)?.n ?? 0),
          })),
      },
      {
        name: "roomcast_outbox_stuck_rooms",
        help: "Rooms whose copy to PostgreSQL keeps failing for a reason other than an outage (GET /admin/outbox)",
        read: () => [{ value: Number(stuck?.n ?? 0) }],
      },
      {
        name: "roomcast_outbox_rejected_events",
        help: "Events PostgreSQL refused for a data reason, set aside (GET /admin/outbox)",
        read: () => [{ value: Number(rejected?.n ?? 0) }],
      },
    ];
  },
};

/** Every source a scrape reads. Add yours here (one per store it reads). */
export const METRIC_SOURCES: MetricSource[] = [liveRooms, postgres];
