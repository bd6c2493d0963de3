import { issueToken } from "../../auth/tokens";
import { type AppRouteHandler, scopeOf } from "../../context";
import { checkCredentials } from "../../domain/users";
import { toUserOut } from "../schemas";
import type * as routes from "./auth.routes";

/** The client's address as Cloudflare's edge reports it (clients cannot set this header there). */
const clientAddress = (c: { req: { header(name: string): string | undefined } }) =>
  c.req.header("cf-connecting-ip") ?? "unknown";

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
