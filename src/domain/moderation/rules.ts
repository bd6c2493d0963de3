import { and, eq, gt, isNull, or } from "drizzle-orm";
import type { Db } from "../../db/client";
import { moderationFilters, roomModeration, roomMutes, roomShadowBans } from "../../db/moderation-schema";
import type { FilterRule } from "../../moderation/filter-set";

/**
 * Everything the room enforces when it sequences, as PostgreSQL holds it: its filters and the
 * global list, slow mode, mutes still running, shadow-bans. The room keeps a copy (hibernation
 * safe, in its storage) and reads it again when told that something changed.
 */
export type RoomRules = {
  filters: FilterRule[];
  slowModeSeconds: number;
  /** user id → muted until (ms since the epoch). */
  mutes: Array<[number, number]>;
  shadowBanned: number[];
};

export const NO_RULES: RoomRules = { filters: [], slowModeSeconds: 0, mutes: [], shadowBanned: [] };

export async function readRoomRules(db: Db, roomId: number): Promise<RoomRules> {
  const [filters, settings, mutes, shadow] = await Promise.all([
    db
      .select()
      .from(moderationFilters)
      .where(or(eq(moderationFilters.roomId, roomId), isNull(moderationFilters.roomId)))
      .orderBy(moderationFilters.id),
    db.select().from(roomModeration).where(eq(roomModeration.roomId, roomId)),
    db
      .select({ userId: roomMutes.userId, until: roomMutes.until })
      .from(roomMutes)
      .where(and(eq(roomMutes.roomId, roomId), gt(roomMutes.until, new Date()))),
    db
      .select({ userId: roomShadowBans.userId })
      .from(roomShadowBans)
      .where(eq(roomShadowBans.roomId, roomId)),
  ]);
  return {
    filters: filters.map((f) => ({
      id: f.id,
      room_id: f.roomId,
      kind: f.kind,
      value: f.value,
      action: f.action,
    })),
    slowModeSeconds: settings[0]?.slowModeSeconds ?? 0,
    mutes: mutes.map((m) => [m.userId, m.until.getTime()]),
    shadowBanned: shadow.map((s) => s.userId),
  };
}
