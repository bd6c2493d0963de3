import { createRoute, z } from "@hono/zod-openapi";
import { requireMetricsAccess } from "../../metrics/access";
import { bearer, errorResponses } from "../schemas";

const EXAMPLE = `# HELP roomcast_open_sockets Open room WebSockets
# TYPE roomcast_open_sockets gauge
roomcast_open_sockets 42
# HELP roomcast_rooms Rooms in PostgreSQL, by kind
# TYPE roomcast_rooms gauge
roomcast_rooms{kind="public"} 12
`;

export const metrics = createRoute({
  method: "get",
  operationId: "metrics",
  path: "/metrics",
  tags: ["admin"],
  summary: "Operators: gauges in the Prometheus text format (rooms, sockets, outbox backlog, stuck rooms)",
  description:
    "For Prometheus and compatible scrapers. `Authorization: Bearer <METRICS_TOKEN>` (configuration), " +
    "or a global admin's token. A store that does not answer shows as `roomcast_metrics_source_up 0`.",
  security: [{ metricsToken: [] }, ...bearer],
  middleware: [requireMetricsAccess] as const,
  responses: {
    200: {
      description: "The gauges (text/plain; version=0.0.4)",
      content: { "text/plain": { schema: z.string().openapi({ example: EXAMPLE }) } },
    },
    ...errorResponses(401, 403),
  },
});
