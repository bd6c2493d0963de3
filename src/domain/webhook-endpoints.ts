import { z } from "@hono/zod-openapi";
import { and, count, eq } from "drizzle-orm";
import { ulid } from "ulidx";
import type { UserScope } from "../context";
import { courierStub } from "../courier/stub";
import { webhookEndpoints } from "../db/reach-schema";
import { AppError, notFound } from "../errors";
import { newWebhookSecret } from "../webhooks/signature";
import { requireRoomAdmin } from "./access";
import { OutboundUrl } from "./outbound-url";

/** Endpoints one room may have: each costs a delivery per event. */
export const MAX_ENDPOINTS_PER_ROOM = 5;

export const WebhookInput = z.object({ url: OutboundUrl }).openapi("WebhookInput");

export const WebhookSchema = z
  .object({
    id: z.string(),
    room_id: z.number().int(),
    url: z.string(),
    state: z.enum(["active", "disabled"]),
    disabled_reason: z.string().nullable(),
    delivered_seq: z
      .number()
      .int()
      .nullable()
      .openapi({ description: "The last seq this endpoint acknowledged (null: not known yet)" }),
    created_at: z.string().openapi({ format: "date-time" }),
  })
  .openapi("Webhook");

export const CreatedWebhookSchema = WebhookSchema.extend({
  secret: z.string().openapi({ description: "whsec_…: verifies signatures. Shown only now." }),
}).openapi("CreatedWebhook");

type Row = typeof webhookEndpoints.$inferSelect;
const toOut = (r: Row, deliveredSeq: number | null): z.infer<typeof WebhookSchema> => ({
  id: r.id,
  room_id: r.roomId,
  url: r.url,
  state: r.state,
  disabled_reason: r.disabledReason,
  delivered_seq: deliveredSeq,
  created_at: r.createdAt.toISOString(),
});

/** Registers an endpoint; it receives events sequenced from now on (replay reaches back). */
export async function createWebhook(s: UserScope, roomId: number, url: string) {
  await requireRoomAdmin(s.db, s.user, roomId);
  const [n] = await s.db
    .select({ n: count() })
    .from(webhookEndpoints)
    .where(eq(webhookEndpoints.roomId, roomId));
  if ((n?.n ?? 0) >= MAX_ENDPOINTS_PER_ROOM)
    throw new AppError("webhook_limit", 409, `At most ${MAX_ENDPOINTS_PER_ROOM} webhook endpoints per room`);
  const [row] = await s.db
    .insert(webhookEndpoints)
    .values({ id: `ep_${ulid()}`, roomId, url, secret: newWebhookSecret(), createdBy: s.user.id })
    .returning();
  if (!row) throw new Error("insert returned nothing");
  const deliveredSeq = await courierStub(s.env, roomId).added(roomId, row.id);
  return { ...toOut(row, deliveredSeq), secret: row.secret };
}

export async function listWebhooks(s: UserScope, roomId: number) {
  await requireRoomAdmin(s.db, s.user, roomId);
  const rows = await s.db
    .select()
    .from(webhookEndpoints)
    .where(eq(webhookEndpoints.roomId, roomId))
    .orderBy(webhookEndpoints.createdAt);
  const cursors: Record<string, number> =
    rows.length > 0 ? await courierStub(s.env, roomId).deliveredSeqs() : {};
  return rows.map((r) => toOut(r, cursors[r.id] ?? null));
}

async function endpointOf(s: UserScope, roomId: number, id: string) {
  await requireRoomAdmin(s.db, s.user, roomId);
  const [row] = await s.db
    .select()
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.roomId, roomId)));
  if (!row) throw notFound("Webhook");
  return row;
}

export async function deleteWebhook(s: UserScope, roomId: number, id: string) {
  await endpointOf(s, roomId, id);
  await s.db.delete(webhookEndpoints).where(eq(webhookEndpoints.id, id));
  await courierStub(s.env, roomId).removed(id);
}

/**
 * Delivers again from `fromSeq` (inclusive), in order, and re-enables a disabled endpoint. The
 * deliveries keep their ids, so a consumer that already has some of them can tell.
 */
export async function replayWebhook(s: UserScope, roomId: number, id: string, fromSeq: number) {
  const row = await endpointOf(s, roomId, id);
  const [updated] = await s.db
    .update(webhookEndpoints)
    .set({ state: "active", disabledReason: null })
    .where(eq(webhookEndpoints.id, row.id))
    .returning();
  const deliveredSeq = await courierStub(s.env, roomId).replay(roomId, id, fromSeq);
  return toOut(updated ?? row, deliveredSeq);
}
