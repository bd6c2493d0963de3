import { createRoute, z } from "@hono/zod-openapi";
import { NotificationSettingsInput, NotificationSettingsSchema } from "../../domain/notification-settings";
import { PushSubscriptionInput, PushSubscriptionSchema } from "../../domain/push-subscriptions";
import { errorResponses, IdParam, jsonBody, jsonResponse, publicAccess, signedIn } from "../schemas";

export const config = createRoute({
  tags: ["notifications"],
  security: publicAccess,
  method: "get",
  operationId: "pushConfig",
  path: "/push/config",
  summary: "The VAPID public key for PushManager.subscribe (null: Web Push is not configured)",
  responses: {
    200: jsonResponse(
      z
        .object({
          vapid_public_key: z
            .string()
            .nullable()
            .openapi({ description: "base64url, as applicationServerKey" }),
        })
        .openapi("PushConfig"),
      "Push configuration",
    ),
  },
});

const subscriptionParams = z.object({
  subscription_id: z
    .string()
    .regex(/^[0-9A-Z]{26}$/, "Must be a subscription id")
    .openapi({ param: { name: "subscription_id", in: "path" }, example: "01J9Z6Q6Y7W3X2V1T0S9R8Q7P6" }),
});

export const subscribe = createRoute({
  ...signedIn("notifications"),
  method: "post",
  operationId: "createPushSubscription",
  path: "/push/subscriptions",
  summary: "Register this device: the body is the browser's PushSubscription.toJSON()",
  request: { body: jsonBody(PushSubscriptionInput) },
  responses: {
    201: jsonResponse(PushSubscriptionSchema, "Registered"),
    200: jsonResponse(PushSubscriptionSchema, "Already registered: keys and owner renewed"),
    ...errorResponses(400, 401, [409, "subscription_limit"], 422),
  },
});

export const listSubscriptions = createRoute({
  ...signedIn("notifications"),
  method: "get",
  operationId: "listPushSubscriptions",
  path: "/push/subscriptions",
  summary: "Your registered devices",
  responses: {
    200: jsonResponse(z.array(PushSubscriptionSchema), "Subscriptions, oldest first"),
    ...errorResponses(401),
  },
});

export const unsubscribe = createRoute({
  ...signedIn("notifications"),
  method: "delete",
  operationId: "deletePushSubscription",
  path: "/push/subscriptions/{subscription_id}",
  summary: "Forget a device",
  request: { params: subscriptionParams },
  responses: { 204: { description: "Deleted" }, ...errorResponses(401, 404, 422) },
});

const roomParams = z.object({ room_id: IdParam("room_id") });

export const getSettings = createRoute({
  ...signedIn("notifications"),
  method: "get",
  operationId: "getNotificationSettings",
  path: "/room/{room_id}/notifications",
  summary: "Your notification settings for a room",
  request: { params: roomParams },
  responses: {
    200: jsonResponse(NotificationSettingsSchema, "Settings"),
    ...errorResponses(401, [403, "forbidden", "banned"], 404, 422),
  },
});

export const putSettings = createRoute({
  ...signedIn("notifications"),
  method: "put",
  operationId: "putNotificationSettings",
  path: "/room/{room_id}/notifications",
  summary: "Choose all / mentions / nothing for a room, and optionally mute it until a time",
  request: { params: roomParams, body: jsonBody(NotificationSettingsInput) },
  responses: {
    200: jsonResponse(NotificationSettingsSchema, "Saved"),
    ...errorResponses(400, 401, [403, "forbidden", "banned"], 404, 422),
  },
});
