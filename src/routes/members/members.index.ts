import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import * as handlers from "./members.handlers";
import * as routes from "./members.routes";

export const memberRoutes = new OpenAPIHono<AppEnv>()
  .openapi(routes.list, handlers.list)
  .openapi(routes.join, handlers.join)
  .openapi(routes.leave, handlers.leave)
  .openapi(routes.add, handlers.add)
  .openapi(routes.changeRole, handlers.changeRole)
  .openapi(routes.remove, handlers.remove)
  .openapi(routes.ban, handlers.ban)
  .openapi(routes.unban, handlers.unban);
