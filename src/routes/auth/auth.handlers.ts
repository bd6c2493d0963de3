import { issueToken } from "../../auth/tokens";
import { type AppRouteHandler, scopeOf } from "../../context";
import { checkCredentials } from "../../domain/users";
import { clientAddress } from "../../middleware/client-address";
import { toUserOut } from "../schemas";
import type * as routes from "./auth.routes";

export const login: AppRouteHandler<typeof routes.login> = async (c) => {
  const { username, password } = c.req.valid("json");
  const user = await checkCredentials(scopeOf(c), username, password, clientAddress(c));
  const token = await issueToken(c.var.config, { userId: user.id, tokenVersion: user.tokenVersion });
  return c.json({ ...token, user: toUserOut(user) }, 200);
};

export const token: AppRouteHandler<typeof routes.token> = async (c) => {
  const { username, password } = c.req.valid("form");
  const user = await checkCredentials(scopeOf(c), username, password, clientAddress(c));
  return c.json(await issueToken(c.var.config, { userId: user.id, tokenVersion: user.tokenVersion }), 200);
};
