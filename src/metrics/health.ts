import type { Context } from "hono";
import type { AppEnv } from "../context";
import { withDeadline } from "./deadline";
import { gaugesStub } from "./gauges-object";

/** How long `/health` waits for the gauges object: a liveness probe must answer fast. */
const HEALTH_DEADLINE_MS = 1000;
/** The rooms' reports are read at most this often per isolate: `/health` stays a floor-cost request. */
const HEALTH_CACHE_MS = 2000;

type Health = {
  ok: boolean;
  status: "ok" | "degraded";
  backlog: { rooms_failing: number; rooms_with_backlog: number; events: number } | null;
};

/** The last answer (a plain value, not an I/O object: safe to keep across requests). */
let last: { at: number; body: Health } | null = null;

async function read(c: Context<AppEnv>): Promise<Health> {
  try {
    const t = await withDeadline(gaugesStub(c.env).totals(), HEALTH_DEADLINE_MS);
    const backlog = {
      rooms_failing: t.failingRooms,
      rooms_with_backlog: t.roomsWithBacklog,
      events: t.backlog,
    };
    const degraded = t.failingRooms > 0;
    return { ok: !degraded, status: degraded ? "degraded" : "ok", backlog };
  } catch (err) {
    console.warn("health: the rooms' gauges did not answer", err);
    return { ok: false, status: "degraded", backlog: null };
  }
}

/**
 * `GET /health`: always 200 while the worker answers (a liveness probe must not take the only
 * place that can hold messages out of rotation), with `status: "degraded"` (and `ok: false`) when
 * rooms report a backlog PostgreSQL is not taking — their last copy failed with events waiting,
 * so they are holding acknowledged messages in their own storage (bounded per room by
 * `ROOM_BACKLOG_MAX_EVENTS`). Read from the rooms' reports (the gauges object), never from
 * PostgreSQL, which may be what is down; at most every 2 s per isolate.
 */
export async function health(c: Context<AppEnv>) {
  if (!last || Date.now() - last.at > HEALTH_CACHE_MS) last = { at: Date.now(), body: await read(c) };
  return c.json(last.body);
}
