import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import { outboxReport } from "../../domain/outbox-report";
import * as routes from "./admin.routes";

export const adminRoutes = new OpenAPIHono<AppEnv>().openapi(routes.outbox, async (c) =>
  c.json(await outboxReport(c.var.db), 200),
);
