import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import * as handlers from "./sessions.handlers";
import * as routes from "./sessions.routes";

export const sessionRoutes = new OpenAPIHono<AppEnv>()
  .openapi(routes.list, handlers.list)
  .openapi(routes.revoke, handlers.revoke)
  .openapi(routes.logout, handlers.logout);
