import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import * as handlers from "./bots.handlers";
import * as routes from "./bots.routes";

export const botRoutes = new OpenAPIHono<AppEnv>()
  .openapi(routes.create, handlers.create)
  .openapi(routes.list, handlers.list)
  .openapi(routes.remove, handlers.remove)
  .openapi(routes.createKey, handlers.createKey)
  .openapi(routes.listKeys, handlers.listKeys)
  .openapi(routes.revokeKey, handlers.revokeKey);
