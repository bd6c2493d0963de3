import { createRoute, z } from "@hono/zod-openapi";
import { requireUser } from "../../auth/middleware";
import { bearer, errorResponses, IdParam, jsonResponse, MessageSchema, Page, RoomSchema } from "../schemas";

const common = { tags: ["direct messages"], security: bearer, middleware: [requireUser] };

export const open = createRoute({
  ...common,
  method: "post",
  operationId: "openDirect",
  path: "/dm/{user_id}",
  summary: "The direct conversation with a user, created the first time (idempotent)",
  request: { params: z.object({ user_id: IdParam("user_id") }) },
  responses: {
    201: jsonResponse(RoomSchema, "Created"),
    200: jsonResponse(RoomSchema, "Already existed"),
    // not_found also for a user who blocked you (which you are not told), as for a deactivated one.
    ...errorResponses(401, 404, [409, "user_blocked"], 422, [429, "too_many_direct_rooms"]),
  },
});

export const list = createRoute({
  ...common,
  method: "get",
  operationId: "listDirects",
  path: "/dm",
  summary: "My direct conversations with the other person, the last message and my unread count",
  request: { query: z.object(Page) },
  responses: {
    200: jsonResponse(
      z.array(
        RoomSchema.extend({
          with: z.object({ id: z.number().int(), username: z.string() }),
          last_message: MessageSchema.nullable(),
          unread_count: z.number().int(),
        }).openapi("DirectSummary"),
      ),
      "Conversations, most recent activity first",
    ),
    ...errorResponses(401, 422),
  },
});
