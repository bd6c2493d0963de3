import { issueAccessToken } from "../../auth/tokens";
import { type AppRouteHandler, scopeOf, userScopeOf } from "../../context";
import { changePassword, createUser, deleteUser, listUsers, updateUser } from "../../domain/users";
import { clientAddress } from "../../middleware/client-address";
import { toUserOut } from "../schemas";
import type * as routes from "./users.routes";

export const signup: AppRouteHandler<typeof routes.signup> = async (c) =>
  c.json(toUserOut(await createUser(scopeOf(c), c.req.valid("json"), clientAddress(c))), 201);

export const list: AppRouteHandler<typeof routes.list> = async (c) => {
  const { limit, offset } = c.req.valid("query");
  return c.json((await listUsers(scopeOf(c), limit, offset)).map(toUserOut), 200);
};

export const update: AppRouteHandler<typeof routes.update> = async (c) => {
  const user = await updateUser(userScopeOf(c), c.req.valid("param").user_id, c.req.valid("json"));
  return c.json(toUserOut(user), 200);
};

export const updatePassword: AppRouteHandler<typeof routes.updatePassword> = async (c) => {
  const { current_password, new_password } = c.req.valid("json");
  const user = await changePassword(userScopeOf(c), current_password, new_password, clientAddress(c));
  const sessionId = c.var.user.sessionId ?? "";
  const token = await issueAccessToken(c.var.config, {
    userId: user.id,
    tokenVersion: user.tokenVersion,
    sessionId,
  });
  return c.json({ message: "Password updated", ...token }, 200);
};

export const remove: AppRouteHandler<typeof routes.remove> = async (c) => {
  await deleteUser(userScopeOf(c), c.req.valid("param").user_id);
  return c.body(null, 204);
};
