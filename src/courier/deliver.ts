import { eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { webhookEndpoints } from "../db/reach-schema";
import type { Config } from "../env";
import { eventsAfter } from "../webhooks/events";
import { webhookHeaders } from "../webhooks/signature";
import type { Cursor, Cursors } from "./cursors";

type Endpoint = typeof webhookEndpoints.$inferSelect;

/** Deliveries one endpoint gets per alarm before others have their turn. */
const MAX_PER_RUN = 100;
const ATTEMPT_TIMEOUT_MS = 10_000;
const MAX_BACKOFF_MS = 3_600_000;

/** The delay before attempt `attempt + 1`: doubling from the configured base, capped at an hour. */
export const backoffMs = (config: Config, attempt: number) =>
  Math.min(MAX_BACKOFF_MS, config.WEBHOOK_RETRY_BASE_MS * 2 ** Math.max(0, attempt - 1));

/** The next event to deliver, made pending (id and bytes fixed from now on); false when caught up. */
async function takeNext(db: Db, roomId: number, c: Cursor): Promise<boolean> {
  for (;;) {
    const batch = await eventsAfter(db, roomId, c.seq, 50);
    if (batch.length === 0) return false;
    for (const { seq, event } of batch) {
      if (!event) {
        c.seq = seq;
        continue;
      }
      Object.assign(c, {
        pending_seq: seq,
        pending_id: `evt_${roomId}_${seq}`,
        pending_body: JSON.stringify(event),
      });
      return true;
    }
  }
}

/** One attempt of the pending delivery; the reason when it failed. */
async function attempt(endpoint: Endpoint, c: Cursor): Promise<string | null> {
  const body = c.pending_body ?? "";
  // The timestamp is the attempt's (receivers refuse old ones); id and body never change.
  const headers = await webhookHeaders(endpoint.secret, c.pending_id ?? "", Date.now() / 1000, body);
  try {
    const res = await fetch(endpoint.url, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json", "user-agent": "roomcast-webhooks" },
      body,
      signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
    });
    await res.body?.cancel();
    return res.ok ? null : `HTTP ${res.status}`;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/**
 * Delivers an endpoint's events in seq order, one at a time: the next is taken only after the
 * previous one was acknowledged (2xx). Returns when to come back (a retry), or null when caught
 * up or disabled.
 */
export async function deliverEndpoint(
  db: Db,
  config: Config,
  cursors: Cursors,
  endpoint: Endpoint,
  c: Cursor,
) {
  for (let n = 0; n < MAX_PER_RUN; n++) {
    if (c.pending_seq === null && !(await takeNext(db, endpoint.roomId, c))) {
      cursors.save(c);
      return null;
    }
    cursors.save(c);
    const failure = await attempt(endpoint, c);
    const now = Date.now();
    if (failure === null) {
      Object.assign(c, { seq: c.pending_seq, pending_seq: null, pending_id: null, pending_body: null });
      Object.assign(c, { attempt: 0, next_at: 0, failing_since: null, last_error: null });
      continue;
    }
    c.attempt++;
    c.failing_since ??= now;
    c.last_error = failure;
    c.next_at = now + backoffMs(config, c.attempt);
    cursors.save(c);
    if (now - c.failing_since >= config.WEBHOOK_DISABLE_AFTER_MS) return disable(db, endpoint, c);
    return c.next_at;
  }
  cursors.save(c);
  return Date.now();
}

/** Long failure: the endpoint stops, with its reason visible in its state, until a replay. */
async function disable(db: Db, endpoint: Endpoint, c: Cursor) {
  const since = new Date(c.failing_since ?? Date.now()).toISOString();
  const reason = `failing since ${since} (${c.attempt} attempts, last: ${c.last_error}); replay to resume`;
  await db
    .update(webhookEndpoints)
    .set({ state: "disabled", disabledReason: reason.slice(0, 500) })
    .where(eq(webhookEndpoints.id, endpoint.id));
  console.warn(`webhooks: endpoint ${endpoint.id} of room ${endpoint.roomId} disabled: ${reason}`);
  return null;
}
