import { z } from "@hono/zod-openapi";
import { and, count, eq, isNull } from "drizzle-orm";
import type { UserScope } from "../../context";
import type { Db } from "../../db/client";
import { moderationFilters } from "../../db/moderation-schema";
import { AppError, forbidden } from "../../errors";
import { foldWord } from "../../moderation/normalize";
import { compilePattern } from "../../moderation/patterns";
import { requireRoomAdmin } from "../access";
import { audit } from "./audit";
import { globalRulesChanged, rulesChanged } from "./notify";

/** Per list (a room's, or the global one): bounds the automaton and the patterns run per message. */
export const MAX_WORDS = 1000;
export const MAX_PATTERNS = 20;

export const FilterInputSchema = z
  .object({
    kind: z.enum(["word", "pattern"]).openapi({ description: "A whole word (folded), or an RE2 pattern" }),
    value: z.string().min(1).max(200),
    action: z.enum(["block", "mask", "flag"]),
  })
  .openapi("FilterInput");
export type FilterInput = z.infer<typeof FilterInputSchema>;

export const FilterSchema = FilterInputSchema.extend({
  id: z.number().int(),
  room_id: z.number().int().nullable().openapi({ description: "Null: the global list" }),
  created_by: z.number().int().nullable(),
  created_at: z.string().openapi({ format: "date-time" }),
}).openapi("Filter");
export type Filter = z.infer<typeof FilterSchema>;

const toFilter = (f: typeof moderationFilters.$inferSelect): Filter => ({
  id: f.id,
  room_id: f.roomId,
  kind: f.kind,
  value: f.value,
  action: f.action,
  created_by: f.createdBy,
  created_at: f.createdAt.toISOString(),
});

const scopeOf = (roomId: number | null) =>
  roomId === null ? isNull(moderationFilters.roomId) : eq(moderationFilters.roomId, roomId);

/** Room filters: the room's admins and global admins; the global list: global admins. */
async function requireFilterAdmin(s: UserScope, roomId: number | null) {
  if (roomId !== null) await requireRoomAdmin(s.db, s.user, roomId);
  else if (!s.user.isAdmin) throw forbidden("Only global admins manage the global filter list");
}

export async function listFilters(s: UserScope, roomId: number | null): Promise<Filter[]> {
  await requireFilterAdmin(s, roomId);
  const rows = await s.db
    .select()
    .from(moderationFilters)
    .where(scopeOf(roomId))
    .orderBy(moderationFilters.id);
  return rows.map(toFilter);
}

/** A word must fold to something; a pattern must be safe (patterns.ts); each list is bounded. */
async function checkFilter(db: Db, roomId: number | null, f: FilterInput) {
  if (f.kind === "pattern") compilePattern(f.value);
  else if (foldWord(f.value).trim().length === 0 || f.value.length > 100) {
    throw new AppError("invalid_filter", 422, "A word must have 1 to 100 visible characters");
  }
  const [row] = await db
    .select({ n: count() })
    .from(moderationFilters)
    .where(and(scopeOf(roomId), eq(moderationFilters.kind, f.kind)));
  const max = f.kind === "pattern" ? MAX_PATTERNS : MAX_WORDS;
  if ((row?.n ?? 0) >= max) {
    throw new AppError("too_many_filters", 409, `A list holds at most ${max} ${f.kind}s`);
  }
}

export async function createFilter(s: UserScope, roomId: number | null, f: FilterInput): Promise<Filter> {
  await requireFilterAdmin(s, roomId);
  await checkFilter(s.db, roomId, f);
  const created = await s.db.transaction(async (tx) => {
    const [row] = await tx
      .insert(moderationFilters)
      .values({ roomId, kind: f.kind, value: f.value, action: f.action, createdBy: s.user.id })
      .returning();
    if (!row) throw new Error("insert returned no row");
    await audit(tx, {
      roomId,
      actorId: s.user.id,
      action: "filter.create",
      details: { filter: toFilter(row) },
    });
    return row;
  });
  await (roomId === null ? globalRulesChanged(s.env) : rulesChanged(s.env, roomId));
  return toFilter(created);
}

export async function deleteFilter(s: UserScope, roomId: number | null, filterId: number) {
  await requireFilterAdmin(s, roomId);
  const removed = await s.db.transaction(async (tx) => {
    const [row] = await tx
      .delete(moderationFilters)
      .where(and(scopeOf(roomId), eq(moderationFilters.id, filterId)))
      .returning();
    if (row) {
      await audit(tx, {
        roomId,
        actorId: s.user.id,
        action: "filter.delete",
        details: { filter: toFilter(row) },
      });
    }
    return row;
  });
  if (!removed) throw new AppError("filter_not_found", 404, "No such filter in this list");
  await (roomId === null ? globalRulesChanged(s.env) : rulesChanged(s.env, roomId));
}
