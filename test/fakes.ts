import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { courierStub } from "../src/courier/stub";
import type { Bindings } from "../src/env";
import { pushQueueStub } from "../src/push/stub";
import { api, eventually, newUser } from "./helpers";

/**
 * The tests' side of the loopback fakes that test/global-setup.ts starts in Node
 * (test/fakes/): a push service that decrypts and verifies every push, and a webhook receiver
 * that verifies every signature. The worker under test reaches them over plain HTTP.
 */
const vars = env as unknown as { PUSH_SERVICE: string; WEBHOOK_RECEIVER: string };

async function call<T>(base: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { "content-type": "application/json" },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return (text ? JSON.parse(text) : null) as T;
}

export type BrowserSubscription = {
  endpoint: string;
  expirationTime: number | null;
  keys: { p256dh: string; auth: string };
};
export type Received = {
  payload: Record<string, unknown>;
  ttl: string;
  urgency: string;
  topic: string | null;
};
export type DeviceState = { received: Received[]; attempts: number; errors: string[] };

/** A device: its keys live in the fake push service, which gives the PushSubscription.toJSON(). */
export async function newDevice() {
  const { id, subscription } = await call<{ id: string; subscription: BrowserSubscription }>(
    vars.PUSH_SERVICE,
    "POST",
    "/subscribers",
  );
  return {
    subscription,
    state: () => call<DeviceState>(vars.PUSH_SERVICE, "GET", `/subscribers/${id}`),
    /** The push service answers the next pushes with these statuses (410, 429, 500 …). */
    answer: (...statuses: number[]) =>
      call(vars.PUSH_SERVICE, "POST", `/subscribers/${id}/answers`, { statuses }),
  };
}

/** A user with one registered device at the loopback push service (no socket open: away). */
export async function awayUser(prefix: string) {
  const user = await newUser(prefix);
  const device = await newDevice();
  const res = await api("POST", "/push/subscriptions", { token: user.token, json: device.subscription });
  if (res.status !== 201) throw new Error(`push subscription failed: ${res.status}`);
  return { user, device };
}

/** Waits long enough for a push that should not come: the delay, the copy, and a margin. */
export const quietPeriod = () => new Promise((r) => setTimeout(r, 3500));

/** The last seq of a room its courier decided pushes for (null: none yet). */
const pushedThrough = (roomId: number) =>
  runInDurableObject(courierStub(env as unknown as Bindings, roomId), (_c, state) => {
    const row = state.storage.sql
      .exec<{ value: number }>("SELECT value FROM meta WHERE key = 'push_seq'")
      .toArray()[0];
    return row?.value ?? null;
  });

/**
 * Waits until every push the room's messages up to `seq` could cause for `userIds` is over: the
 * courier decided them (its push cursor passed `seq`: each push is queued before the cursor
 * moves), and each user's push queue is empty (each queued push was sent, or dropped as no longer
 * wanted). What the push service received then is all it will for them: an event to wait for,
 * not a wall-clock guess (`quietPeriod`), so a test of "no push" cannot pass because a loaded
 * machine had not got that far yet.
 */
export async function pushesSettled(roomId: number, seq: number, userIds: number[], timeoutMs = 15_000) {
  await eventually(async () => {
    if (((await pushedThrough(roomId)) ?? 0) < seq)
      throw new Error(`room ${roomId}: pushes not decided to ${seq}`);
    for (const id of userIds) {
      const queued = await pushQueueStub(env as unknown as Bindings, id).queued();
      if (queued > 0) throw new Error(`user ${id}: ${queued} pushes still queued`);
    }
  }, timeoutMs);
}

export type ReceiverState = {
  secret: string | null;
  accepted: Array<{ id: string; seq: number; type: string; data: Record<string, unknown> }>;
  attempts: number;
  duplicates: number;
  outOfOrder: number;
  badSignatures: number;
  bodyMismatches: number;
};

/** A webhook consumer at its own URL; it answers 503 until told the endpoint's secret. */
export async function newReceiver() {
  const { id, url } = await call<{ id: string; url: string }>(vars.WEBHOOK_RECEIVER, "POST", "/receivers");
  return {
    url,
    setSecret: (secret: string) => call(vars.WEBHOOK_RECEIVER, "PUT", `/receivers/${id}/secret`, { secret }),
    fail: (...statuses: number[]) =>
      call(vars.WEBHOOK_RECEIVER, "POST", `/receivers/${id}/fail`, { statuses }),
    /** Stops failing on purpose (drops what `fail` scripted). */
    recover: () => call(vars.WEBHOOK_RECEIVER, "POST", `/receivers/${id}/fail`, { clear: true }),
    state: () => call<ReceiverState>(vars.WEBHOOK_RECEIVER, "GET", `/receivers/${id}`),
  };
}
