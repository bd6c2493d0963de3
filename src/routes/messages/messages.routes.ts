import { createRoute, z } from "@hono/zod-openapi";
import { ClientId, FILE_ID, ID_MAX_CHARS, MAX_ATTACHMENTS, MessageId, SEQ_MAX } from "../../protocol";
import {
  DecimalInt,
  errorResponses,
  IdParam,
  jsonBody,
  jsonResponse,
  MessageSchema,
  ReactionOutcomeSchema,
  signedIn,
  signedInReader,
} from "../schemas";

export const MAX_HISTORY_PAGE = 200;

const Seq = DecimalInt(0, SEQ_MAX).openapi({ type: "integer" });
const roomParams = z.object({ room_id: IdParam("room_id") });

// Emptiness and the configured length limit (MESSAGE_MAX_CHARS) are checked by the room object,
// the same rule for REST and WebSocket sends: 422 `empty_message` / `message_too_long`.
const MessageContent = z.string().openapi({ example: "hello, room" });

/** A sent message; `modified`: a filter masked its text, and `content` is what was stored. */
const SentMessageSchema = MessageSchema.extend({
  modified: z
    .literal(true)
    .optional()
    .openapi({ description: "A filter masked the text: content is what was stored" }),
}).openapi("SentMessage");

export const send = createRoute({
  ...signedIn("messages"),
  method: "post",
  operationId: "sendMessage",
  path: "/message/rooms/{room_id}/messages",
  summary: "Send a message to a room",
  description:
    "The room also refuses with 422 `empty_message` and `message_too_long`; 404 `reply_parent_not_found` " +
    "when reply_to names no message of this room (one answer whether it exists elsewhere or not). " +
    "`@username` mentions users who can read the room; anyone else stays plain text.",
  request: {
    params: roomParams,
    body: jsonBody(
      z
        .object({
          content: MessageContent,
          client_id: ClientId.optional().openapi({
            description: "Your id for this send; a retry with the same id returns the first message",
          }),
          reply_to: MessageId.optional().openapi({
            description: "Reply to this message of the same room (a reply to a reply joins its thread)",
          }),
          attachments: z
            .array(z.string().regex(FILE_ID, "Must be a file id"))
            .max(MAX_ATTACHMENTS)
            .optional()
            .openapi({
              description: `Up to ${MAX_ATTACHMENTS} of your uploads (POST /files) to attach; the message may then have no text`,
            }),
        })
        .openapi("MessageCreate"),
    ),
  },
  responses: {
    201: jsonResponse(SentMessageSchema, "Sent (`modified: true` when a filter masked the text)"),
    200: jsonResponse(MessageSchema, "A retry with a known client_id: the original message"),
    ...errorResponses(
      400,
      401,
      [403, "forbidden", "banned", "not_a_member", "muted", "direct_unavailable"],
      [404, "not_found", "reply_parent_not_found"],
      [409, "user_blocked"],
      413,
      [
        422,
        "validation_error",
        "invalid_text",
        "attachment_unavailable",
        "duplicate_attachment",
        "message_blocked",
      ],
      [429, "rate_limited", "slow_mode"],
    ),
  },
});

export const list = createRoute({
  ...signedInReader("messages"),
  method: "get",
  operationId: "listMessages",
  path: "/message/rooms/{room_id}/messages",
  summary: "A page of a room's history, oldest first",
  request: {
    params: roomParams,
    query: z
      .object({
        limit: DecimalInt(1, MAX_HISTORY_PAGE).default(50).openapi({ type: "integer" }),
        before: Seq.optional().openapi({ description: "Page back: messages with seq below this" }),
        after: Seq.optional().openapi({ description: "Page forward: messages with seq above this" }),
      })
      .refine((q) => q.before === undefined || q.after === undefined, "Use either before or after, not both"),
  },
  responses: {
    200: jsonResponse(z.array(MessageSchema), "Messages in seq order"),
    ...errorResponses(401, 403, 404, 422),
  },
});

const messageParams = z.object({
  room_id: IdParam("room_id"),
  message_id: MessageId.clone().openapi({ param: { name: "message_id", in: "path" } }),
});

export const edit = createRoute({
  ...signedIn("messages"),
  method: "patch",
  operationId: "editMessage",
  path: "/message/rooms/{room_id}/messages/{message_id}",
  summary: "Edit my message: a timeline event with its own seq, broadcast live",
  request: {
    params: messageParams,
    body: jsonBody(z.object({ content: MessageContent }).openapi("MessageEdit")),
  },
  responses: {
    200: jsonResponse(MessageSchema, "The message as it now stands"),
    ...errorResponses(
      401,
      [403, "not_author", "banned"],
      [404, "not_found", "message_not_found"],
      [409, "message_deleted"],
      422,
      429,
    ),
  },
});

export const remove = createRoute({
  ...signedIn("messages"),
  method: "delete",
  operationId: "deleteMessage",
  path: "/message/rooms/{room_id}/messages/{message_id}",
  summary: "Delete a message (author, room admins, global admins); leaves a tombstone",
  request: { params: messageParams },
  responses: {
    200: jsonResponse(MessageSchema, "The tombstone"),
    ...errorResponses(
      401,
      [403, "forbidden", "banned"],
      [404, "not_found", "message_not_found"],
      [409, "message_deleted"],
      422,
      429,
    ),
  },
});

export const thread = createRoute({
  ...signedInReader("messages"),
  method: "get",
  operationId: "listThread",
  path: "/message/rooms/{room_id}/messages/{message_id}/thread",
  summary: "The replies under a message, oldest first (page on with after=<last seq>)",
  request: {
    params: messageParams,
    query: z.object({
      limit: DecimalInt(1, MAX_HISTORY_PAGE).default(50).openapi({ type: "integer" }),
      after: Seq.optional().openapi({ description: "Replies with seq above this" }),
    }),
  },
  responses: {
    200: jsonResponse(z.array(MessageSchema), "Replies in seq order"),
    ...errorResponses(401, [403, "forbidden", "banned"], [404, "not_found", "message_not_found"], 422),
  },
});

const reactionParams = messageParams.extend({
  emoji: z
    .string()
    .min(1)
    .max(ID_MAX_CHARS)
    .openapi({
      param: { name: "emoji", in: "path" },
      description: "One emoji (URL-encoded) or a short :name:",
      example: "👍",
    }),
});

const reactionErrors = errorResponses(
  401,
  [403, "forbidden", "banned", "not_a_member"],
  [404, "not_found", "message_not_found"],
  [409, "message_deleted"],
  422,
  429,
);

export const addReaction = createRoute({
  ...signedIn("messages"),
  method: "put",
  operationId: "addReaction",
  path: "/message/rooms/{room_id}/messages/{message_id}/reactions/{emoji}",
  summary: "React to a message (idempotent: a second PUT changes nothing and says changed=false)",
  description:
    "The key is one emoji (one grapheme cluster) or a short `:name:`; otherwise 422 `invalid_reaction`. " +
    "At most 20 different keys per message and 10 reactions per user per message (422 `too_many_reactions`). " +
    "Rate-limited per user and room like sends (429 `rate_limited`).",
  request: { params: reactionParams },
  responses: {
    200: jsonResponse(ReactionOutcomeSchema, "The reaction and the message's totals"),
    ...reactionErrors,
  },
});

export const removeReaction = createRoute({
  ...signedIn("messages"),
  method: "delete",
  operationId: "removeReaction",
  path: "/message/rooms/{room_id}/messages/{message_id}/reactions/{emoji}",
  summary: "Take back my reaction (idempotent)",
  request: { params: reactionParams },
  responses: {
    200: jsonResponse(ReactionOutcomeSchema, "The reaction and the message's totals"),
    ...reactionErrors,
  },
});
