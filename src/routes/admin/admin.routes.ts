import { createRoute, z } from "@hono/zod-openapi";
import { requireGlobalAdmin, requireUser } from "../../auth/middleware";
import { bearer, errorResponses, jsonResponse } from "../schemas";

export const OutboxReportSchema = z
  .object({
    rejected_count: z.number().int().openapi({ description: "Events PostgreSQL refused, set aside" }),
    rejected: z.array(
      z.object({
        room_id: z.number().int(),
        seq: z.number().int(),
        event_id: z.string(),
        error_code: z.string().nullable(),
        error_message: z.string(),
        event: z.unknown().openapi({ description: "The event as the room held it" }),
        created_at: z.string(),
      }),
    ),
    stuck_rooms: z.array(
      z.object({
        room_id: z.number().int(),
        failures: z.number().int(),
        backlog: z.number().int(),
        last_error: z.string(),
        since: z.string(),
        updated_at: z.string(),
      }),
    ),
  })
  .openapi("OutboxReport");

export const outbox = createRoute({
  method: "get",
  operationId: "outboxReport",
  path: "/admin/outbox",
  tags: ["admin"],
  summary: "Operators: events set aside by the copy to PostgreSQL, and rooms whose copy keeps failing",
  security: bearer,
  middleware: [requireUser, requireGlobalAdmin] as const,
  responses: { 200: jsonResponse(OutboxReportSchema, "The outbox's health"), ...errorResponses(401, 403) },
});
