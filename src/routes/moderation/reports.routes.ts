import { createRoute, z } from "@hono/zod-openapi";
import { requireGlobalAdmin, requireUser } from "../../auth/middleware";
import { REPORT_STATUSES } from "../../db/moderation-schema";
import { AuditEntrySchema } from "../../domain/moderation/audit";
import { FilterInputSchema, FilterSchema } from "../../domain/moderation/filters";
import { ReportInputSchema, ReportSchema, ResolveSchema } from "../../domain/moderation/reports";
import { bearer, DecimalInt, errorResponses, IdParam, jsonBody, jsonResponse } from "../schemas";

const common = { tags: ["moderation"], security: bearer, middleware: [requireUser] };
const globalAdmin = { ...common, middleware: [requireUser, requireGlobalAdmin] };
const room = z.object({ room_id: IdParam("room_id") });
const paging = {
  limit: DecimalInt(1, 100).default(50).openapi({ type: "integer" }),
  before: DecimalInt(1, 2_147_483_647)
    .optional()
    .openapi({ type: "integer", description: "Older than this id" }),
};
const reportQuery = z.object({ status: z.enum(REPORT_STATUSES).optional(), ...paging });
const ReportCreated = z
  .object({ id: z.number().int(), status: z.enum(REPORT_STATUSES) })
  .openapi("ReportCreated");

export const report = createRoute({
  ...common,
  method: "post",
  operationId: "reportMessage",
  path: "/message/rooms/{room_id}/messages/{message_id}/report",
  summary: "Report a message (any reader, once per message); the reported user never learns who reported",
  request: {
    params: room.extend({ message_id: z.string().min(1).max(64) }),
    body: jsonBody(ReportInputSchema),
  },
  responses: {
    201: jsonResponse(ReportCreated, "Reported: in the room's queue"),
    ...errorResponses(
      401,
      [403, "banned"],
      [404, "not_found", "message_not_found"],
      [409, "already_reported", "cannot_report_self"],
      422,
    ),
  },
});

export const roomReports = createRoute({
  ...common,
  method: "get",
  operationId: "listRoomReports",
  path: "/room/{room_id}/moderation/reports",
  summary: "The room's report queue, newest first (the room's admins)",
  request: { params: room, query: reportQuery },
  responses: {
    200: jsonResponse(z.array(ReportSchema), "Reports"),
    ...errorResponses(401, [403, "forbidden"], 404, 422),
  },
});

export const allReports = createRoute({
  ...globalAdmin,
  method: "get",
  operationId: "listReports",
  path: "/moderation/reports",
  summary: "Every room's report queue (global admins)",
  request: { query: reportQuery },
  responses: {
    200: jsonResponse(z.array(ReportSchema), "Reports"),
    ...errorResponses(401, [403, "forbidden"], 422),
  },
});

export const resolve = createRoute({
  ...common,
  method: "post",
  operationId: "resolveReport",
  path: "/moderation/reports/{report_id}/resolve",
  summary: "Resolve a report: dismiss, delete the message, mute or ban its author (the room's admins)",
  request: { params: z.object({ report_id: IdParam("report_id") }), body: jsonBody(ResolveSchema) },
  responses: {
    200: jsonResponse(ReportCreated, "Resolved (with every open report of the same message)"),
    ...errorResponses(
      401,
      [403, "forbidden", "outranked"],
      404,
      [409, "report_resolved", "author_gone", "owner_protected", "cannot_moderate_self"],
      422,
    ),
  },
});

export const roomAudit = createRoute({
  ...common,
  method: "get",
  operationId: "roomAuditLog",
  path: "/room/{room_id}/moderation/audit",
  summary: "Every moderation action in the room, newest first (the room's admins)",
  request: { params: room, query: z.object(paging) },
  responses: {
    200: jsonResponse(z.array(AuditEntrySchema), "Audit log"),
    ...errorResponses(401, [403, "forbidden"], 404, 422),
  },
});

export const allAudit = createRoute({
  ...globalAdmin,
  method: "get",
  operationId: "auditLog",
  path: "/moderation/audit",
  summary: "Every moderation action in every room and the global list (global admins)",
  request: { query: z.object(paging) },
  responses: {
    200: jsonResponse(z.array(AuditEntrySchema), "Audit log"),
    ...errorResponses(401, [403, "forbidden"], 422),
  },
});

export const globalFilters = createRoute({
  ...globalAdmin,
  method: "get",
  operationId: "listGlobalFilters",
  path: "/moderation/filters",
  summary: "The global filter list, applied in every room (global admins)",
  responses: {
    200: jsonResponse(z.array(FilterSchema), "Filters"),
    ...errorResponses(401, [403, "forbidden"]),
  },
});

export const createGlobalFilter = createRoute({
  ...globalAdmin,
  method: "post",
  operationId: "createGlobalFilter",
  path: "/moderation/filters",
  summary: "Add a filter to the global list (rooms already loaded pick it up within 30 s)",
  request: { body: jsonBody(FilterInputSchema) },
  responses: {
    201: jsonResponse(FilterSchema, "Added"),
    ...errorResponses(
      401,
      [403, "forbidden"],
      [409, "too_many_filters"],
      [422, "unsafe_pattern", "invalid_filter", "validation_error"],
    ),
  },
});

export const deleteGlobalFilter = createRoute({
  ...globalAdmin,
  method: "delete",
  operationId: "deleteGlobalFilter",
  path: "/moderation/filters/{filter_id}",
  summary: "Remove a filter from the global list",
  request: { params: z.object({ filter_id: IdParam("filter_id") }) },
  responses: {
    204: { description: "Removed" },
    ...errorResponses(401, [403, "forbidden"], [404, "filter_not_found"], 422),
  },
});
