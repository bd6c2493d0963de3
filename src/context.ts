import type { SessionUser } from "./auth/session";
import type { Db } from "./db/client";
import type { Bindings, Config } from "./env";

/** Hono's environment for every route: bindings plus what middleware puts on the context. */
export type AppEnv = {
  Bindings: Bindings;
  Variables: { config: Config; db: Db; user: SessionUser };
};
