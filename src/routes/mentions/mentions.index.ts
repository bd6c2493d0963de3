import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import * as handlers from "./mentions.handlers";
import * as routes from "./mentions.routes";

export const mentionRoutes = new OpenAPIHono<AppEnv>().openapi(routes.list, handlers.list);
