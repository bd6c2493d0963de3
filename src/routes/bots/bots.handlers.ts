import { type AppRouteHandler, userScopeOf } from "../../context";
import * as bots from "../../domain/bots";
import type * as routes from "./bots.routes";

export const create: AppRouteHandler<typeof routes.create> = async (c) =>
  c.json(await bots.createBot(userScopeOf(c), c.req.valid("json").username), 201);

export const list: AppRouteHandler<typeof routes.list> = async (c) =>
  c.json(await bots.listBots(userScopeOf(c)), 200);

export const remove: AppRouteHandler<typeof routes.remove> = async (c) => {
  await bots.deleteBot(userScopeOf(c), c.req.valid("param").bot_id);
  return c.body(null, 204);
};

export const createKey: AppRouteHandler<typeof routes.createKey> = async (c) =>
  c.json(await bots.createKey(userScopeOf(c), c.req.valid("param").bot_id, c.req.valid("json")), 201);

export const listKeys: AppRouteHandler<typeof routes.listKeys> = async (c) =>
  c.json(await bots.listKeys(userScopeOf(c), c.req.valid("param").bot_id), 200);

export const revokeKey: AppRouteHandler<typeof routes.revokeKey> = async (c) => {
  const { bot_id, key_id } = c.req.valid("param");
  return c.json(await bots.revokeKey(userScopeOf(c), bot_id, key_id), 200);
};
