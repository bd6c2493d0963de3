import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import * as handlers from "./direct.handlers";
import * as routes from "./direct.routes";

export const directRoutes = new OpenAPIHono<AppEnv>()
  .openapi(routes.open, handlers.open)
  .openapi(routes.list, handlers.list);
