import { type AppRouteHandler, userScopeOf } from "../../context";
import { getSettings as readSettings, putSettings as saveSettings } from "../../domain/notification-settings";
import {
  deleteSubscription,
  listSubscriptions as list,
  registerSubscription,
} from "../../domain/push-subscriptions";
import { vapidKeys } from "../../push/config";
import type * as routes from "./push.routes";

export const config: AppRouteHandler<typeof routes.config> = async (c) =>
  c.json({ vapid_public_key: vapidKeys(c.var.config)?.publicKey ?? null }, 200);

export const subscribe: AppRouteHandler<typeof routes.subscribe> = async (c) => {
  const { subscription, created } = await registerSubscription(userScopeOf(c), c.req.valid("json"));
  return created ? c.json(subscription, 201) : c.json(subscription, 200);
};

export const listSubscriptions: AppRouteHandler<typeof routes.listSubscriptions> = async (c) =>
  c.json(await list(userScopeOf(c)), 200);

export const unsubscribe: AppRouteHandler<typeof routes.unsubscribe> = async (c) => {
  await deleteSubscription(userScopeOf(c), c.req.valid("param").subscription_id);
  return c.body(null, 204);
};

export const getSettings: AppRouteHandler<typeof routes.getSettings> = async (c) =>
  c.json(await readSettings(userScopeOf(c), c.req.valid("param").room_id), 200);

export const putSettings: AppRouteHandler<typeof routes.putSettings> = async (c) =>
  c.json(await saveSettings(userScopeOf(c), c.req.valid("param").room_id, c.req.valid("json")), 200);
