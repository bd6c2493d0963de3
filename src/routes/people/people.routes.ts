import { createRoute, z } from "@hono/zod-openapi";
import { errorResponses, IdParam, jsonResponse, Page, signedIn, UserSchema } from "../schemas";

/** What anyone signed in may see of another user: no email, no admin or active flags. */
export const PublicUserSchema = z
  .object({ id: z.number().int(), username: z.string(), full_name: z.string().nullable() })
  .openapi("PublicUser");

export const me = createRoute({
  ...signedIn("people"),
  method: "get",
  operationId: "getMe",
  path: "/user/me",
  summary: "My own profile",
  responses: { 200: jsonResponse(UserSchema, "The caller"), ...errorResponses(401) },
});

export const search = createRoute({
  ...signedIn("people"),
  method: "get",
  operationId: "searchPeople",
  path: "/user/search",
  summary: "Find people by username or full-name prefix (active accounts only, public fields only)",
  description: "Limited per user to `DIRECTORY_SEARCHES_PER_MINUTE` (429 `rate_limited` with Retry-After).",
  request: {
    query: z.object({ q: z.string().trim().min(1).max(64), ...Page }),
  },
  responses: {
    200: jsonResponse(z.array(PublicUserSchema), "Matches by username"),
    ...errorResponses(401, 422, 429),
  },
});

const BLOCK_LIMIT =
  "Blocks and unblocks together are limited per user to `BLOCK_CHANGES_PER_MINUTE` " +
  "(429 `rate_limited` with Retry-After): each one is told to every room of the caller.";

export const block = createRoute({
  ...signedIn("people"),
  method: "put",
  operationId: "blockUser",
  path: "/user/blocks/{user_id}",
  summary: "Block a user: their messages are hidden from you and they cannot message you directly",
  description:
    "Idempotent. Applies at once, on open sockets too. The blocked user is not told: a direct " +
    "message to you is refused with 403 `direct_unavailable`, the answer a deactivated account gets. " +
    BLOCK_LIMIT,
  request: { params: z.object({ user_id: IdParam("user_id") }) },
  responses: {
    204: { description: "Blocked" },
    ...errorResponses(
      401,
      404,
      [409, "too_many_blocks"],
      [422, "cannot_block_self", "validation_error"],
      429,
    ),
  },
});

export const unblock = createRoute({
  ...signedIn("people"),
  method: "delete",
  operationId: "unblockUser",
  path: "/user/blocks/{user_id}",
  summary: "Unblock a user (idempotent)",
  description: BLOCK_LIMIT,
  request: { params: z.object({ user_id: IdParam("user_id") }) },
  responses: { 204: { description: "Not blocked" }, ...errorResponses(401, 422, 429) },
});

export const blocks = createRoute({
  ...signedIn("people"),
  method: "get",
  operationId: "listBlocks",
  path: "/user/blocks",
  summary: "The users I blocked, most recent first",
  request: { query: z.object(Page) },
  responses: {
    200: jsonResponse(
      z.array(
        z
          .object({ user: PublicUserSchema, created_at: z.string().openapi({ format: "date-time" }) })
          .openapi("Block"),
      ),
      "Blocks",
    ),
    ...errorResponses(401, 422),
  },
});
