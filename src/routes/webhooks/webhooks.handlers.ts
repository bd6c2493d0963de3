import { type AppRouteHandler, userScopeOf } from "../../context";
import { createWebhook, deleteWebhook, listWebhooks, replayWebhook } from "../../domain/webhook-endpoints";
import type * as routes from "./webhooks.routes";

export const create: AppRouteHandler<typeof routes.create> = async (c) =>
  c.json(await createWebhook(userScopeOf(c), c.req.valid("param").room_id, c.req.valid("json").url), 201);

export const list: AppRouteHandler<typeof routes.list> = async (c) =>
  c.json(await listWebhooks(userScopeOf(c), c.req.valid("param").room_id), 200);

export const remove: AppRouteHandler<typeof routes.remove> = async (c) => {
  const { room_id, webhook_id } = c.req.valid("param");
  await deleteWebhook(userScopeOf(c), room_id, webhook_id);
  return c.body(null, 204);
};

export const replay: AppRouteHandler<typeof routes.replay> = async (c) => {
  const { room_id, webhook_id } = c.req.valid("param");
  return c.json(await replayWebhook(userScopeOf(c), room_id, webhook_id, c.req.valid("json").from_seq), 202);
};
