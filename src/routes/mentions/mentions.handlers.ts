import { type AppRouteHandler, userScopeOf } from "../../context";
import { listMentions } from "../../domain/search";
import type * as routes from "./mentions.routes";

export const list: AppRouteHandler<typeof routes.list> = async (c) => {
  const { results, next_cursor } = await listMentions(userScopeOf(c), c.req.valid("query"));
  return c.json({ results: results.map(({ type: _t, reactions: _r, ...m }) => m), next_cursor }, 200);
};
