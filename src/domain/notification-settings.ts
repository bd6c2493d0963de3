import { z } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import type { UserScope } from "../context";
import { courierStub } from "../courier/stub";
import { notificationSettings } from "../db/reach-schema";
import type { RoomRow } from "../db/schema";
import { requireReader } from "./access";

export const NotificationLevel = z.enum(["all", "mentions", "nothing"]);
export type NotificationLevel = z.infer<typeof NotificationLevel>;

export const NotificationSettingsSchema = z
  .object({
    level: NotificationLevel.openapi({
      description: "all: every message; mentions: @mentions only; nothing: no pushes",
    }),
    muted_until: z.string().nullable().openapi({ format: "date-time", description: "No pushes before then" }),
    is_default: z
      .boolean()
      .openapi({ description: "True while you have not chosen (DMs: all, others: mentions)" }),
  })
  .openapi("NotificationSettings");

export const NotificationSettingsInput = z
  .object({
    level: NotificationLevel,
    muted_until: z.iso.datetime({ offset: true }).nullable().default(null),
  })
  .openapi("NotificationSettingsInput");

/** A DM is a conversation with one person: every message notifies unless you choose otherwise. */
export const defaultLevel = (kind: RoomRow["kind"]): NotificationLevel =>
  kind === "direct" ? "all" : "mentions";

export async function getSettings(s: UserScope, roomId: number) {
  const { room } = await requireReader(s.db, s.user, roomId);
  const [row] = await s.db
    .select()
    .from(notificationSettings)
    .where(and(eq(notificationSettings.userId, s.user.id), eq(notificationSettings.roomId, roomId)));
  if (!row) return { level: defaultLevel(room.kind), muted_until: null, is_default: true };
  return { level: row.level, muted_until: row.mutedUntil?.toISOString() ?? null, is_default: false };
}

export async function putSettings(
  s: UserScope,
  roomId: number,
  input: z.infer<typeof NotificationSettingsInput>,
) {
  await requireReader(s.db, s.user, roomId);
  const values = {
    level: input.level,
    mutedUntil: input.muted_until ? new Date(input.muted_until) : null,
    updatedAt: new Date(),
  };
  await s.db
    .insert(notificationSettings)
    .values({ userId: s.user.id, roomId, ...values })
    .onConflictDoUpdate({ target: [notificationSettings.userId, notificationSettings.roomId], set: values });
  await tellCourier(s, roomId);
  return { level: input.level, muted_until: values.mutedUntil?.toISOString() ?? null, is_default: false };
}

/**
 * The room's courier keeps who cannot be pushed without a mention (src/courier/quiet.ts): told
 * after PostgreSQL has the change. A notice that fails is logged; what the courier knew expires
 * within a minute.
 */
async function tellCourier(s: UserScope, roomId: number) {
  try {
    await courierStub(s.env, roomId).levelChanged(s.user.id);
  } catch (err) {
    console.warn(`notifications: room ${roomId}: courier not told of a level change`, err);
  }
}
