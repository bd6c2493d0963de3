import { z } from "@hono/zod-openapi";
import { and, count, eq } from "drizzle-orm";
import { ulid } from "ulidx";
import type { UserScope } from "../context";
import { pushSubscriptions } from "../db/reach-schema";
import { AppError, notFound } from "../errors";
import { fromBase64Url } from "../push/base64url";
import { OutboundUrl } from "./outbound-url";

/** Devices one user may register; past it the oldest must be deleted first. */
export const MAX_SUBSCRIPTIONS_PER_USER = 10;

const base64UrlOfLength = (bytes: number, what: string) =>
  z.string().refine((s) => {
    try {
      const b = fromBase64Url(s);
      return b.length === bytes && (bytes !== 65 || b[0] === 0x04);
    } catch {
      return false;
    }
  }, what);

/** The body a browser's `PushSubscription.toJSON()` produces, as is. */
export const PushSubscriptionInput = z
  .object({
    endpoint: OutboundUrl,
    expirationTime: z.number().int().nonnegative().nullable().optional(),
    keys: z.object({
      p256dh: base64UrlOfLength(65, "Must be base64url of an uncompressed P-256 point (65 bytes)"),
      auth: base64UrlOfLength(16, "Must be base64url of 16 bytes"),
    }),
  })
  .openapi("PushSubscriptionInput");

export const PushSubscriptionSchema = z
  .object({
    id: z.string(),
    endpoint: z.string(),
    expiration_time: z.string().nullable().openapi({ format: "date-time" }),
    created_at: z.string().openapi({ format: "date-time" }),
  })
  .openapi("PushSubscription");

type Row = typeof pushSubscriptions.$inferSelect;
const toOut = (r: Row): z.infer<typeof PushSubscriptionSchema> => ({
  id: r.id,
  endpoint: r.endpoint,
  expiration_time: r.expiresAt?.toISOString() ?? null,
  created_at: r.createdAt.toISOString(),
});

/**
 * Registers a device, or renews it: an endpoint names one browser profile, so registering it
 * again (new keys, or another user signing in on that browser) replaces the old row.
 */
export async function registerSubscription(s: UserScope, input: z.infer<typeof PushSubscriptionInput>) {
  const [existing] = await s.db
    .select({ id: pushSubscriptions.id })
    .from(pushSubscriptions)
    .where(eq(pushSubscriptions.endpoint, input.endpoint));
  if (!existing) await refuseOverLimit(s);
  const values = {
    userId: s.user.id,
    p256dh: input.keys.p256dh,
    auth: input.keys.auth,
    expiresAt: input.expirationTime == null ? null : new Date(input.expirationTime),
  };
  const [row] = await s.db
    .insert(pushSubscriptions)
    .values({ id: ulid(), endpoint: input.endpoint, ...values })
    .onConflictDoUpdate({ target: pushSubscriptions.endpoint, set: values })
    .returning();
  if (!row) throw new Error("upsert returned nothing");
  return { subscription: toOut(row), created: !existing };
}

async function refuseOverLimit(s: UserScope) {
  const [n] = await s.db
    .select({ n: count() })
    .from(pushSubscriptions)
    .where(eq(pushSubscriptions.userId, s.user.id));
  if ((n?.n ?? 0) >= MAX_SUBSCRIPTIONS_PER_USER)
    throw new AppError(
      "subscription_limit",
      409,
      `At most ${MAX_SUBSCRIPTIONS_PER_USER} push subscriptions per user; delete one first`,
    );
}

export async function listSubscriptions(s: UserScope) {
  const rows = await s.db
    .select()
    .from(pushSubscriptions)
    .where(eq(pushSubscriptions.userId, s.user.id))
    .orderBy(pushSubscriptions.createdAt);
  return rows.map(toOut);
}

export async function deleteSubscription(s: UserScope, id: string) {
  const gone = await s.db
    .delete(pushSubscriptions)
    .where(and(eq(pushSubscriptions.id, id), eq(pushSubscriptions.userId, s.user.id)))
    .returning({ id: pushSubscriptions.id });
  if (gone.length === 0) throw notFound("Push subscription");
}
