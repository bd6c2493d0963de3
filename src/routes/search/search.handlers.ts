import { type AppRouteHandler, userScopeOf } from "../../context";
import { searchMessages } from "../../domain/search";
import type * as routes from "./search.routes";

export const search: AppRouteHandler<typeof routes.search> = async (c) => {
  const { results, next_cursor } = await searchMessages(userScopeOf(c), c.req.valid("query"));
  return c.json({ results: results.map(({ type: _t, reactions: _r, ...hit }) => hit), next_cursor }, 200);
};
