import type { Context } from "hono";
import type { DeviceInfo } from "../../account/session-store";
import { type AppEnv, type AppRouteHandler, scopeOf } from "../../context";
import { refresh as refreshSession, signIn } from "../../domain/sessions";
import { checkCredentials } from "../../domain/users";
import { AppError } from "../../errors";
import { clientAddress } from "../../middleware/client-address";
import { toUserOut } from "../schemas";
import type * as routes from "./auth.routes";

/** What a session records of the device: shown in `GET /auth/sessions`. */
const deviceOf = (c: Context<AppEnv>): DeviceInfo => ({
  userAgent: c.req.header("user-agent")?.slice(0, 256) ?? null,
  address: clientAddress(c),
});

export const login: AppRouteHandler<typeof routes.login> = async (c) => {
  const { username, password } = c.req.valid("json");
  const user = await checkCredentials(scopeOf(c), username, password, clientAddress(c));
  const pair = await signIn(scopeOf(c), user, deviceOf(c));
  return c.json({ ...pair, user: toUserOut(user) }, 200);
};

export const refresh: AppRouteHandler<typeof routes.refresh> = async (c) =>
  c.json(await refreshSession(scopeOf(c), c.req.valid("json").refresh_token, deviceOf(c)), 200);

const missing = (field: string) =>
  new AppError("invalid_request", 400, `${field} is required for this grant`);

export const token: AppRouteHandler<typeof routes.token> = async (c) => {
  const form = c.req.valid("form");
  if (form.grant_type === "refresh_token") {
    if (!form.refresh_token) throw missing("refresh_token");
    return c.json(await refreshSession(scopeOf(c), form.refresh_token, deviceOf(c)), 200);
  }
  if (!form.username || !form.password) throw missing("username and password");
  const user = await checkCredentials(scopeOf(c), form.username, form.password, clientAddress(c));
  return c.json(await signIn(scopeOf(c), user, deviceOf(c)), 200);
};
