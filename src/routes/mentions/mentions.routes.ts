import { createRoute, z } from "@hono/zod-openapi";
import { DecimalInt, errorResponses, jsonResponse, MessageSchema, signedIn } from "../schemas";

export const list = createRoute({
  ...signedIn("messages"),
  method: "get",
  operationId: "listMentions",
  path: "/mentions",
  summary: "Messages that mention you, newest first, in rooms you are a member of and can still read",
  request: {
    query: z.object({
      room_id: DecimalInt(1, 2_147_483_647).optional().openapi({ type: "integer" }),
      cursor: z.string().max(200).optional().openapi({ description: "`next_cursor` of the previous page" }),
      limit: DecimalInt(1, 100).default(20).openapi({ type: "integer" }),
    }),
  },
  responses: {
    200: jsonResponse(
      z
        .object({
          results: z.array(MessageSchema.omit({ reactions: true })),
          next_cursor: z.string().nullable(),
        })
        .openapi("MentionsPage"),
      "Mentions, newest first",
    ),
    ...errorResponses(
      401,
      [422, "validation_error", "invalid_text", "invalid_cursor"],
      [503, "search_timeout", "database_unavailable"],
    ),
  },
});
