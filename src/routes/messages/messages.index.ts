import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import * as handlers from "./messages.handlers";
import * as routes from "./messages.routes";

export const messageRoutes = new OpenAPIHono<AppEnv>()
  .openapi(routes.send, handlers.send)
  .openapi(routes.list, handlers.list)
  .openapi(routes.edit, handlers.edit)
  .openapi(routes.remove, handlers.remove);
