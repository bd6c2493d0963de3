import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { expectLogs } from "./expected-logs";

/** What the worker logs, as it should, while PostgreSQL is unreachable. */
export const OUTAGE_LOGS = [
  /^outbox: room \d+: copy failed/,
  /^database unavailable:/,
  /^database connection error/,
  /^resume from PostgreSQL failed/,
  /^mentions: PostgreSQL unreachable/,
  /^metrics: source postgres failed/,
  /^courier: room \d+: run failed, retrying/,
];

/**
 * Takes the worker's database connection down or up (the test bridge cuts and refuses
 * connections). Taking it down is deliberate, so the outage's log lines are expected.
 */
export async function database(state: "down" | "up") {
  if (state === "down") expectLogs(...OUTAGE_LOGS);
  const control = (env as unknown as { BRIDGE_CONTROL: string }).BRIDGE_CONTROL;
  const res = await fetch(`${control}/__bridge/${state}`);
  expect(res.status).toBe(200);
}
