import { createRoute, z } from "@hono/zod-openapi";
import { requireGlobalAdmin, requireUser } from "../../auth/middleware";
import { bearer, errorResponses, jsonResponse } from "../schemas";

export const OutboxReportSchema = z
  .object({
    postgres: z.enum(["available", "unavailable"]).openapi({
      description:
        "Whether PostgreSQL answered: if not, `rejected` and `stuck_rooms` are empty and `rejected_count` null",
    }),
    backlog: z
      .object({
        events: z.number().int(),
        rooms_with_backlog: z.number().int(),
        rooms_failing: z
          .number()
          .int()
          .openapi({ description: "Rooms whose last copy failed with events waiting" }),
        rooms: z.array(
          z.object({
            room_id: z.number().int(),
            backlog: z.number().int(),
            failing: z.boolean(),
            reported_at: z.string(),
          }),
        ),
      })
      .nullable()
      .openapi({
        description:
          "Events acked and not yet in PostgreSQL, as the rooms report them (no PostgreSQL needed)",
      }),
    rejected_count: z
      .number()
      .int()
      .nullable()
      .openapi({ description: "Events PostgreSQL refused, set aside (null: PostgreSQL unavailable)" }),
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
