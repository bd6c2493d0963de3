import { createRoute, z } from "@hono/zod-openapi";
import { ApiKeyInput, ApiKeySchema, BotInput, BotSchema, CreatedApiKeySchema } from "../../domain/bots";
import { errorResponses, IdParam, jsonBody, jsonResponse, signedIn } from "../schemas";

const botParams = z.object({ bot_id: IdParam("bot_id") });
const keyParams = botParams.extend({
  key_id: z
    .string()
    .regex(/^[0-9A-Z]{26}$/, "Must be a key id")
    .openapi({ param: { name: "key_id", in: "path" }, example: "01J9Z6Q6Y7W3X2V1T0S9R8Q7P6" }),
});

export const create = createRoute({
  ...signedIn("bots"),
  method: "post",
  operationId: "createBot",
  path: "/bots",
  summary: "Create a bot you own (add it to rooms like any user; give it API keys)",
  request: { body: jsonBody(BotInput) },
  responses: {
    201: jsonResponse(BotSchema, "Created"),
    ...errorResponses(400, 401, [403, "api_key_scope"], [409, "username_taken", "bot_limit"], 422),
  },
});

export const list = createRoute({
  ...signedIn("bots"),
  method: "get",
  operationId: "listBots",
  path: "/bots",
  summary: "Your bots",
  responses: {
    200: jsonResponse(z.array(BotSchema), "Bots"),
    ...errorResponses(401, [403, "api_key_scope"]),
  },
});

export const remove = createRoute({
  ...signedIn("bots"),
  method: "delete",
  operationId: "deleteBot",
  path: "/bots/{bot_id}",
  summary: "Delete a bot (its keys with it; its messages stay)",
  request: { params: botParams },
  responses: { 204: { description: "Deleted" }, ...errorResponses(401, [403, "api_key_scope"], 404, 422) },
});

export const createKey = createRoute({
  ...signedIn("bots"),
  method: "post",
  operationId: "createApiKey",
  path: "/bots/{bot_id}/keys",
  summary: "Create an API key for a bot, scoped to rooms and actions (read, post, react)",
  request: { params: botParams, body: jsonBody(ApiKeyInput) },
  responses: {
    201: jsonResponse(CreatedApiKeySchema, "Created; the key is shown only now"),
    ...errorResponses(400, 401, [403, "api_key_scope"], 404, [409, "api_key_limit"], 422),
  },
});

export const listKeys = createRoute({
  ...signedIn("bots"),
  method: "get",
  operationId: "listApiKeys",
  path: "/bots/{bot_id}/keys",
  summary: "A bot's keys (without their secrets), newest first",
  request: { params: botParams },
  responses: {
    200: jsonResponse(z.array(ApiKeySchema), "Keys"),
    ...errorResponses(401, [403, "api_key_scope"], 404, 422),
  },
});

export const revokeKey = createRoute({
  ...signedIn("bots"),
  method: "delete",
  operationId: "revokeApiKey",
  path: "/bots/{bot_id}/keys/{key_id}",
  summary: "Revoke a key: the next request with it is refused",
  request: { params: keyParams },
  responses: {
    200: jsonResponse(ApiKeySchema, "Revoked"),
    ...errorResponses(401, [403, "api_key_scope"], 404, 422),
  },
});
