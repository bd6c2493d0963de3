import type { RouteConfig, RouteHandler } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { SessionUser } from "./auth/session";
import type { TokenClaims } from "./auth/tokens";
import type { Db } from "./db/client";
import type { Bindings, Config } from "./env";

/** Hono's environment for every route: bindings plus what middleware puts on the context. */
export type AppEnv = {
  Bindings: Bindings;
  Variables: { config: Config; db: Db; user: SessionUser; caller: Caller };
};

/**
 * A reading route's caller (`requireReader`): the verified token's claims (null for a bot's key)
 * and, once the account check has held, the user (the room makes the check and sets it; a bot's
 * key is checked at once).
 */
export type Caller = { claims: TokenClaims | null; user: SessionUser | null };

/** What one request's domain code works with: its database handle, bindings and configuration. */
export type Scope = { db: Db; env: Bindings; config: Config };
/** …and the signed-in user it acts for. */
export type UserScope = Scope & { user: SessionUser };

export const scopeOf = (c: Context<AppEnv>): Scope => ({ db: c.var.db, env: c.env, config: c.var.config });
export const userScopeOf = (c: Context<AppEnv>): UserScope => ({ ...scopeOf(c), user: c.var.user });
/** …or, on a reading route, the caller whose account check is still under way. */
export type ReadScope = Scope & { caller: Caller };
export const readScopeOf = (c: Context<AppEnv>): ReadScope => ({ ...scopeOf(c), caller: c.var.caller });

/** A route's handler, typed by its zod-openapi definition (request and response shapes). */
export type AppRouteHandler<R extends RouteConfig> = RouteHandler<R, AppEnv>;
