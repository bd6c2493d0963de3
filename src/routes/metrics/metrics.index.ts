import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import * as handlers from "./metrics.handlers";
import * as routes from "./metrics.routes";

export const metricsRoutes = new OpenAPIHono<AppEnv>().openapi(routes.metrics, handlers.metrics);
