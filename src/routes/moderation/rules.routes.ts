import { createRoute, z } from "@hono/zod-openapi";
import { requireUser } from "../../auth/middleware";
import { CleanupInputSchema, CleanupResultSchema } from "../../domain/moderation/cleanup";
import { FilterInputSchema, FilterSchema } from "../../domain/moderation/filters";
import { MAX_MUTE_SECONDS, MAX_SLOW_MODE_SECONDS, MuteSchema } from "../../domain/moderation/restrictions";
import { bearer, errorResponses, IdParam, jsonBody, jsonResponse } from "../schemas";

// What a room's admins (and global admins) set for a room; enforced by the room when it sequences.
const room = z.object({ room_id: IdParam("room_id") });
const roomUser = room.extend({ user_id: IdParam("user_id") });
const roomFilter = room.extend({ filter_id: IdParam("filter_id") });
const common = { tags: ["moderation"], security: bearer, middleware: [requireUser] };
const admin = () => errorResponses(401, [403, "forbidden"], 404, 422);
/** An action against a member: refused on a higher rank, the owner or oneself. */
const againstMember = () =>
  errorResponses(
    401,
    [403, "forbidden", "outranked"],
    404,
    [409, "owner_protected", "cannot_moderate_self"],
    422,
  );

export const listFilters = createRoute({
  ...common,
  method: "get",
  operationId: "listRoomFilters",
  path: "/room/{room_id}/moderation/filters",
  summary: "The room's word and pattern filters (the global list applies too)",
  request: { params: room },
  responses: { 200: jsonResponse(z.array(FilterSchema), "Filters"), ...admin() },
});

export const createFilter = createRoute({
  ...common,
  method: "post",
  operationId: "createRoomFilter",
  path: "/room/{room_id}/moderation/filters",
  summary: "Add a filter: block, mask or flag a word (whole word, folded) or an RE2 pattern",
  request: { params: room, body: jsonBody(FilterInputSchema) },
  responses: {
    201: jsonResponse(FilterSchema, "Added; applies to the next send"),
    ...errorResponses(
      401,
      [403, "forbidden"],
      404,
      [409, "too_many_filters"],
      [422, "unsafe_pattern", "invalid_filter", "validation_error"],
    ),
  },
});

export const deleteFilter = createRoute({
  ...common,
  method: "delete",
  operationId: "deleteRoomFilter",
  path: "/room/{room_id}/moderation/filters/{filter_id}",
  summary: "Remove a filter",
  request: { params: roomFilter },
  responses: {
    204: { description: "Removed" },
    ...errorResponses(401, [403, "forbidden"], [404, "filter_not_found"], 422),
  },
});

export const setSlowMode = createRoute({
  ...common,
  method: "put",
  operationId: "setSlowMode",
  path: "/room/{room_id}/moderation/slow-mode",
  summary: "One message per user per N seconds (0: off); the room's admins are exempt",
  request: {
    params: room,
    body: jsonBody(
      z.object({ seconds: z.number().int().min(0).max(MAX_SLOW_MODE_SECONDS) }).openapi("SlowMode"),
    ),
  },
  responses: {
    200: jsonResponse(z.object({ room_id: z.number().int(), slow_mode_seconds: z.number().int() }), "Set"),
    ...admin(),
  },
});

export const listMutes = createRoute({
  ...common,
  method: "get",
  operationId: "listMutes",
  path: "/room/{room_id}/moderation/mutes",
  summary: "Users muted in the room now",
  request: { params: room },
  responses: { 200: jsonResponse(z.array(MuteSchema), "Mutes"), ...admin() },
});

export const mute = createRoute({
  ...common,
  method: "put",
  operationId: "muteUser",
  path: "/room/{room_id}/moderation/mutes/{user_id}",
  summary: "Mute a user for a while: they read but cannot write (applies to open sockets at once)",
  request: {
    params: roomUser,
    body: jsonBody(
      z
        .object({
          seconds: z.number().int().min(1).max(MAX_MUTE_SECONDS),
          reason: z.string().trim().max(500).optional(),
        })
        .openapi("MuteInput"),
    ),
  },
  responses: {
    200: jsonResponse(MuteSchema, "Muted"),
    ...againstMember(),
  },
});

export const unmute = createRoute({
  ...common,
  method: "delete",
  operationId: "unmuteUser",
  path: "/room/{room_id}/moderation/mutes/{user_id}",
  summary: "Lift a mute",
  request: { params: roomUser },
  responses: {
    204: { description: "Lifted" },
    ...errorResponses(401, [403, "forbidden"], [404, "not_muted"], 422),
  },
});

const ShadowSchema = z
  .object({ room_id: z.number().int(), user_id: z.number().int(), shadow_banned: z.boolean() })
  .openapi("ShadowBan");

export const listShadowBans = createRoute({
  ...common,
  method: "get",
  operationId: "listShadowBans",
  path: "/room/{room_id}/moderation/shadow-bans",
  summary: "Shadow-banned users of the room",
  request: { params: room },
  responses: {
    200: jsonResponse(
      z.array(
        z.object({
          user_id: z.number().int(),
          created_by: z.number().int().nullable(),
          created_at: z.string(),
        }),
      ),
      "Shadow-bans",
    ),
    ...admin(),
  },
});

export const shadowBan = createRoute({
  ...common,
  method: "put",
  operationId: "shadowBan",
  path: "/room/{room_id}/moderation/shadow-bans/{user_id}",
  summary:
    "Shadow-ban: the user's new events are acked and shown to them, to everyone else a `hidden` placeholder",
  request: { params: roomUser },
  responses: {
    200: jsonResponse(ShadowSchema, "Shadow-banned"),
    ...againstMember(),
  },
});

export const unShadowBan = createRoute({
  ...common,
  method: "delete",
  operationId: "liftShadowBan",
  path: "/room/{room_id}/moderation/shadow-bans/{user_id}",
  summary: "Lift a shadow-ban (events sequenced during it stay hidden)",
  request: { params: roomUser },
  responses: {
    200: jsonResponse(ShadowSchema, "Lifted"),
    ...errorResponses(401, [403, "forbidden"], [404, "not_shadow_banned"], 422),
  },
});

export const cleanup = createRoute({
  ...common,
  method: "post",
  operationId: "raidCleanup",
  path: "/room/{room_id}/moderation/cleanup",
  summary:
    "Raid cleanup: delete every message of a user, or of every member who joined after a time, since a time",
  request: { params: room, body: jsonBody(CleanupInputSchema) },
  responses: {
    200: jsonResponse(CleanupResultSchema, "Deleted, as message.deleted events"),
    ...againstMember(),
  },
});
