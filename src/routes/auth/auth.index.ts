import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import * as handlers from "./auth.handlers";
import * as routes from "./auth.routes";

export const authRoutes = new OpenAPIHono<AppEnv>()
  .openapi(routes.login, handlers.login)
  .openapi(routes.refresh, handlers.refresh)
  .openapi(routes.token, handlers.token);
