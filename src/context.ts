import type { RouteConfig, RouteHandler } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { SessionUser } from "./auth/session";
import type { Db } from "./db/client";
import type { Bindings, Config } from "./env";

/** Hono's environment for every route: bindings plus what middleware puts on the context. */
export type AppEnv = {
  Bindings: Bindings;
  Variables: { config: Config; db: Db; user: SessionUser };
};

/** What one request's domain code works with: its database handle, bindings and configuration. */
export type Scope = { db: Db; env: Bindings; config: Config };
/** …and the signed-in user it acts for. */
export type UserScope = Scope & { user: SessionUser };

export const scopeOf = (c: Context<AppEnv>): Scope => ({ db: c.var.db, env: c.env, config: c.var.config });
export const userScopeOf = (c: Context<AppEnv>): UserScope => ({ ...scopeOf(c), user: c.var.user });

/** A route's handler, typed by its zod-openapi definition (request and response shapes). */
export type AppRouteHandler<R extends RouteConfig> = RouteHandler<R, AppEnv>;
