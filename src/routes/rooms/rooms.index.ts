import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import * as handlers from "./rooms.handlers";
import * as routes from "./rooms.routes";

// `/room/public` is registered before `/room/{room_id}` so that it is not taken for an id.
export const roomRoutes = new OpenAPIHono<AppEnv>()
  .openapi(routes.searchPublic, handlers.searchPublic)
  .openapi(routes.markRead, handlers.markRead)
  .openapi(routes.create, handlers.create)
  .openapi(routes.list, handlers.list)
  .openapi(routes.get, handlers.get)
  .openapi(routes.update, handlers.update)
  .openapi(routes.remove, handlers.remove);
