import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import * as handlers from "./admin.handlers";
import * as routes from "./admin.routes";

export const adminRoutes = new OpenAPIHono<AppEnv>().openapi(routes.outbox, handlers.outbox);
