import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import * as handlers from "./people.handlers";
import * as routes from "./people.routes";

export const peopleRoutes = new OpenAPIHono<AppEnv>()
  .openapi(routes.me, handlers.me)
  .openapi(routes.search, handlers.search)
  .openapi(routes.blocks, handlers.blocks)
  .openapi(routes.block, handlers.block)
  .openapi(routes.unblock, handlers.unblock);
