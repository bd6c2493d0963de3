import type { AppRouteHandler } from "../../context";
import { outboxRecords } from "../../domain/outbox-report";
import { withDeadline } from "../../metrics/deadline";
import { gaugesStub } from "../../metrics/gauges-object";
import type * as routes from "./admin.routes";

/** Rooms listed with their backlog (the largest first, failing ones before them). */
const BACKLOG_ROOMS = 100;

/**
 * The rooms' own reports (events not yet in PostgreSQL, whether their copy is failing) come from
 * the gauges object and answer while PostgreSQL is down; what PostgreSQL records (set-aside
 * events, stuck rooms) is added when it answers, else `postgres: "unavailable"` says it is missing.
 */
export const outbox: AppRouteHandler<typeof routes.outbox> = async (c) => {
  const gauges = gaugesStub(c.env);
  const [totals, rooms, records] = await Promise.allSettled([
    withDeadline(gauges.totals()),
    withDeadline(gauges.backlogRooms(BACKLOG_ROOMS)),
    withDeadline(outboxRecords(c.var.db)),
  ]);
  const t = totals.status === "fulfilled" ? totals.value : null;
  const backlog = t && {
    events: t.backlog,
    rooms_with_backlog: t.roomsWithBacklog,
    rooms_failing: t.failingRooms,
    rooms: rooms.status === "fulfilled" ? rooms.value : [],
  };
  if (records.status === "rejected") console.warn("admin: outbox records unavailable", records.reason);
  const pg = records.status === "fulfilled" ? records.value : null;
  return c.json(
    {
      postgres: pg ? ("available" as const) : ("unavailable" as const),
      backlog,
      rejected_count: pg?.rejected_count ?? null,
      rejected: pg?.rejected ?? [],
      stuck_rooms: pg?.stuck_rooms ?? [],
    },
    200,
  );
};
