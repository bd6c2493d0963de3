import { createRoute, z } from "@hono/zod-openapi";
import { DecimalInt, errorResponses, jsonResponse, MessageSchema, signedIn } from "../schemas";

const Time = z.iso.datetime({ offset: true }).transform((t) => new Date(t));

export const SearchHitSchema = MessageSchema.omit({ reactions: true })
  .extend({
    snippet: z.string().openapi({ description: "The text around the first match (… where cut)" }),
    highlights: z.array(z.tuple([z.number().int(), z.number().int()])).openapi({
      description: "Where the query's terms occur in `snippet`: [start, end) in UTF-16 code units",
    }),
  })
  .openapi("SearchHit");

export const search = createRoute({
  ...signedIn("search"),
  method: "get",
  operationId: "searchMessages",
  path: "/search",
  summary: "Search the messages of the rooms you can read now, newest first",
  description:
    'Word search (PostgreSQL full text, websearch syntax: "a phrase", or, -word) plus substring search ' +
    "(trigram index), so partial words and Chinese, Japanese and Korean text are found. Only current text " +
    "is searched: edits replace the old text, deleted messages never match. Each distinct word counts once, " +
    "at most 8; substring matching needs every word to have 3 characters (2 in Chinese, Japanese or Korean), " +
    "else whole words are matched. One search has a time budget (`SEARCH_TIMEOUT_MS`): past it, 503 `search_timeout`.",
  request: {
    query: z.object({
      q: z.string().trim().min(1).max(200).openapi({ example: "release notes" }),
      room_id: DecimalInt(1, 2_147_483_647).optional().openapi({ type: "integer" }),
      from: DecimalInt(1, 2_147_483_647)
        .optional()
        .openapi({ type: "integer", description: "Author's user id" }),
      before: Time.optional().openapi({ type: "string", format: "date-time" }),
      after: Time.optional().openapi({ type: "string", format: "date-time" }),
      cursor: z.string().max(200).optional().openapi({ description: "`next_cursor` of the previous page" }),
      limit: DecimalInt(1, 100).default(20).openapi({ type: "integer" }),
    }),
  },
  responses: {
    200: jsonResponse(
      z
        .object({ results: z.array(SearchHitSchema), next_cursor: z.string().nullable() })
        .openapi("SearchPage"),
      "Matches, newest first",
    ),
    ...errorResponses(
      401,
      [422, "validation_error", "invalid_text", "empty_query", "too_many_terms", "invalid_cursor"],
      [503, "search_timeout", "database_unavailable"],
    ),
  },
});
