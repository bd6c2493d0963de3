import { createRoute, z } from "@hono/zod-openapi";
import { requireUser } from "../../auth/middleware";
import { ClientId } from "../../room/protocol";
import {
  bearer,
  DecimalInt,
  errorResponses,
  IdParam,
  jsonBody,
  jsonResponse,
  MessageSchema,
} from "../schemas";

export const MAX_HISTORY_PAGE = 200;

const Seq = DecimalInt(0, Number.MAX_SAFE_INTEGER).openapi({ type: "integer" });
const roomParams = z.object({ room_id: IdParam("room_id") });

// Emptiness and the configured length limit (MESSAGE_MAX_CHARS) are checked by the room object,
// the same rule for REST and WebSocket sends: 422 `empty_message` / `message_too_long`.
const MessageContent = z.string().openapi({ example: "hello, room" });

export const send = createRoute({
  method: "post",
  operationId: "sendMessage",
  path: "/message/rooms/{room_id}/messages",
  tags: ["messages"],
  summary: "Send a message to a room",
  security: bearer,
  middleware: [requireUser] as const,
  request: {
    params: roomParams,
    body: jsonBody(
      z
        .object({
          content: MessageContent,
          client_id: ClientId.optional().openapi({
            description: "Your id for this send; a retry with the same id returns the first message",
          }),
        })
        .openapi("MessageCreate"),
    ),
  },
  responses: {
    201: jsonResponse(MessageSchema, "Sent"),
    200: jsonResponse(MessageSchema, "A retry with a known client_id: the original message"),
    ...errorResponses(400, 401, 403, 404, 413, 422, 429),
  },
});

export const list = createRoute({
  method: "get",
  operationId: "listMessages",
  path: "/message/rooms/{room_id}/messages",
  tags: ["messages"],
  summary: "A page of a room's history, oldest first",
  security: bearer,
  middleware: [requireUser] as const,
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
  message_id: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "message_id", in: "path" } }),
});

export const edit = createRoute({
  method: "patch",
  operationId: "editMessage",
  path: "/message/rooms/{room_id}/messages/{message_id}",
  tags: ["messages"],
  summary: "Edit my message: a timeline event with its own seq, broadcast live",
  security: bearer,
  middleware: [requireUser] as const,
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
  method: "delete",
  operationId: "deleteMessage",
  path: "/message/rooms/{room_id}/messages/{message_id}",
  tags: ["messages"],
  summary: "Delete a message (author, room admins, global admins); leaves a tombstone",
  security: bearer,
  middleware: [requireUser] as const,
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
