import type { AppRouteHandler } from "../../context";
import { outboxReport } from "../../domain/outbox-report";
import type * as routes from "./admin.routes";

export const outbox: AppRouteHandler<typeof routes.outbox> = async (c) =>
  c.json(await outboxReport(c.var.db), 200);
