import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import * as handlers from "./search.handlers";
import * as routes from "./search.routes";

export const searchRoutes = new OpenAPIHono<AppEnv>().openapi(routes.search, handlers.search);
