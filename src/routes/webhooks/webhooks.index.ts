import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import * as handlers from "./webhooks.handlers";
import * as routes from "./webhooks.routes";

export const webhookRoutes = new OpenAPIHono<AppEnv>()
  .openapi(routes.create, handlers.create)
  .openapi(routes.list, handlers.list)
  .openapi(routes.remove, handlers.remove)
  .openapi(routes.replay, handlers.replay);
