import { type AppRouteHandler, userScopeOf } from "../../context";
import { listBlocks, me as myself, searchPeople, setBlock } from "../../domain/people";
import { toUserOut } from "../schemas";
import type * as routes from "./people.routes";

export const me: AppRouteHandler<typeof routes.me> = async (c) =>
  c.json(toUserOut(await myself(userScopeOf(c))), 200);

export const search: AppRouteHandler<typeof routes.search> = async (c) => {
  const { q, limit, offset } = c.req.valid("query");
  return c.json(await searchPeople(userScopeOf(c), q, { limit, offset }), 200);
};

export const block: AppRouteHandler<typeof routes.block> = async (c) => {
  await setBlock(userScopeOf(c), c.req.valid("param").user_id, true);
  return c.body(null, 204);
};

export const unblock: AppRouteHandler<typeof routes.unblock> = async (c) => {
  await setBlock(userScopeOf(c), c.req.valid("param").user_id, false);
  return c.body(null, 204);
};

export const blocks: AppRouteHandler<typeof routes.blocks> = async (c) => {
  const rows = await listBlocks(userScopeOf(c), c.req.valid("query"));
  return c.json(
    rows.map((r) => ({ user: r.user, created_at: r.created_at.toISOString() })),
    200,
  );
};
