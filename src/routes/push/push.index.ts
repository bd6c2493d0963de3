import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import * as handlers from "./push.handlers";
import * as routes from "./push.routes";

export const pushRoutes = new OpenAPIHono<AppEnv>()
  .openapi(routes.config, handlers.config)
  .openapi(routes.subscribe, handlers.subscribe)
  .openapi(routes.listSubscriptions, handlers.listSubscriptions)
  .openapi(routes.unsubscribe, handlers.unsubscribe)
  .openapi(routes.getSettings, handlers.getSettings)
  .openapi(routes.putSettings, handlers.putSettings);
