import { and, eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { pushSubscriptions } from "../db/reach-schema";
import { messages, roomMembers } from "../db/schema";
import type { Bindings } from "../env";
import { inboxStub } from "../inbox/notify";
import type { PushPayload } from "./payload";
import { preview } from "./payload";
import { type PushOutcome, pushOutcome, pushRequest, type Urgency } from "./request";
import type { VapidKeys } from "./vapid";

/** How long a push service keeps a push for an offline device. */
const TTL_SECONDS = 24 * 60 * 60;

/**
 * The payload as it should be sent now, or null when it should not be sent at all: a device of
 * the user saw it live on `/ws/me` or read past it (the inbox, issue 20, or the read marker as
 * PostgreSQL has it), the user left the room, or the message was deleted. An edited message is previewed as it reads now.
 */
export async function stillWanted(
  db: Db,
  env: Bindings,
  userId: number,
  payload: PushPayload,
): Promise<PushPayload | null> {
  // The user's inbox channel knows what their devices saw live or read, ahead of PostgreSQL.
  if (await inboxStub(env, userId).seenLive(payload.room_id, payload.seq)) return null;
  const [member] = await db
    .select({ lastRead: roomMembers.lastReadSeq })
    .from(roomMembers)
    .where(and(eq(roomMembers.roomId, payload.room_id), eq(roomMembers.userId, userId)));
  if (!member || member.lastRead >= payload.seq) return null;
  const [message] = await db
    .select({ content: messages.content })
    .from(messages)
    .where(eq(messages.id, payload.message_id));
  if (!message?.content) return null;
  return { ...payload, preview: preview(message.content) };
}

export type Subscription = typeof pushSubscriptions.$inferSelect;

export const subscriptionsOf = (db: Db, userId: number) =>
  db.select().from(pushSubscriptions).where(eq(pushSubscriptions.userId, userId));

/** One push to one device; what the push service's answer means, and its Retry-After if any. */
export async function sendPush(
  vapid: VapidKeys,
  sub: Subscription,
  payload: PushPayload,
  opts: { urgent: boolean; topic: string },
): Promise<{ outcome: PushOutcome; retryAfterMs: number | null; status: number | string }> {
  const urgency: Urgency = opts.urgent ? "high" : "normal";
  const body = new TextEncoder().encode(JSON.stringify(payload));
  const req = await pushRequest(
    { endpoint: sub.endpoint, keys: sub, payload: body, ttlSeconds: TTL_SECONDS, urgency, topic: opts.topic },
    vapid,
  );
  try {
    const res = await fetch(req, { signal: AbortSignal.timeout(10_000) });
    await res.body?.cancel();
    const retryAfter = Number(res.headers.get("retry-after"));
    return {
      outcome: pushOutcome(res.status),
      retryAfterMs: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : null,
      status: res.status,
    };
  } catch (err) {
    return { outcome: "retry", retryAfterMs: null, status: err instanceof Error ? err.message : String(err) };
  }
}

export const forgetSubscription = (db: Db, id: string) =>
  db.delete(pushSubscriptions).where(eq(pushSubscriptions.id, id));
