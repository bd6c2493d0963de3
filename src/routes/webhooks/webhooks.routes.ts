import { createRoute, z } from "@hono/zod-openapi";
import { CreatedWebhookSchema, WebhookInput, WebhookSchema } from "../../domain/webhook-endpoints";
import { errorResponses, IdParam, jsonBody, jsonResponse, signedIn } from "../schemas";

const roomParams = z.object({ room_id: IdParam("room_id") });
const endpointParams = roomParams.extend({
  webhook_id: z
    .string()
    .regex(/^ep_[0-9A-Z]{26}$/, "Must be a webhook id")
    .openapi({ param: { name: "webhook_id", in: "path" }, example: "ep_01J9Z6Q6Y7W3X2V1T0S9R8Q7P6" }),
});
const adminOnly = [403, "forbidden", "banned"] as const;

export const create = createRoute({
  ...signedIn("webhooks"),
  method: "post",
  operationId: "createWebhook",
  path: "/room/{room_id}/webhooks",
  summary: "Register a webhook for the room's events (room admins; global admins anywhere)",
  description:
    "Deliveries follow Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature), in seq order. " +
    "The secret is shown only in this answer.",
  request: { params: roomParams, body: jsonBody(WebhookInput) },
  responses: {
    201: jsonResponse(CreatedWebhookSchema, "Registered; it receives events sequenced from now on"),
    ...errorResponses(400, 401, [...adminOnly], 404, [409, "webhook_limit"], 422),
  },
});

export const list = createRoute({
  ...signedIn("webhooks"),
  method: "get",
  operationId: "listWebhooks",
  path: "/room/{room_id}/webhooks",
  summary: "The room's webhooks with their state and delivery cursor",
  request: { params: roomParams },
  responses: {
    200: jsonResponse(z.array(WebhookSchema), "Webhooks"),
    ...errorResponses(401, [...adminOnly], 404, 422),
  },
});

export const remove = createRoute({
  ...signedIn("webhooks"),
  method: "delete",
  operationId: "deleteWebhook",
  path: "/room/{room_id}/webhooks/{webhook_id}",
  summary: "Delete a webhook (pending deliveries are dropped)",
  request: { params: endpointParams },
  responses: { 204: { description: "Deleted" }, ...errorResponses(401, [...adminOnly], 404, 422) },
});

export const replay = createRoute({
  ...signedIn("webhooks"),
  method: "post",
  operationId: "replayWebhook",
  path: "/room/{room_id}/webhooks/{webhook_id}/replay",
  summary: "Deliver again from a seq, in order; re-enables a disabled webhook",
  request: {
    params: endpointParams,
    body: jsonBody(z.object({ from_seq: z.number().int().min(1) }).openapi("WebhookReplay")),
  },
  responses: {
    202: jsonResponse(WebhookSchema, "Replay scheduled"),
    ...errorResponses(400, 401, [...adminOnly], 404, 422),
  },
});
