import type { AppRouteHandler } from "../../context";
import { collect, renderPrometheus } from "../../metrics/registry";
import { METRIC_SOURCES } from "../../metrics/sources";
import type * as routes from "./metrics.routes";

export const metrics: AppRouteHandler<typeof routes.metrics> = async (c) => {
  const body = renderPrometheus(await collect(c, METRIC_SOURCES));
  return c.text(body, 200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
};
