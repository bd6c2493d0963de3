import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import * as handlers from "./users.handlers";
import * as routes from "./users.routes";

export const userRoutes = new OpenAPIHono<AppEnv>()
  .openapi(routes.signup, handlers.signup)
  .openapi(routes.list, handlers.list)
  .openapi(routes.update, handlers.update)
  .openapi(routes.updatePassword, handlers.updatePassword)
  .openapi(routes.remove, handlers.remove);
