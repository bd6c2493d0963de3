import { type AppRouteHandler, userScopeOf } from "../../context";
import { logout as endCurrent, mySessions, revokeSession } from "../../domain/sessions";
import type * as routes from "./sessions.routes";

export const list: AppRouteHandler<typeof routes.list> = async (c) =>
  c.json(await mySessions(userScopeOf(c)), 200);

export const revoke: AppRouteHandler<typeof routes.revoke> = async (c) => {
  await revokeSession(userScopeOf(c), c.req.valid("param").session_id);
  return c.body(null, 204);
};

export const logout: AppRouteHandler<typeof routes.logout> = async (c) => {
  await endCurrent(userScopeOf(c));
  return c.body(null, 204);
};
