import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import * as handlers from "./files.handlers";
import * as routes from "./files.routes";

export const fileRoutes = new OpenAPIHono<AppEnv>()
  .openapi(routes.upload, handlers.upload)
  .openapi(routes.download, handlers.download)
  .openapi(routes.remove, handlers.remove);
