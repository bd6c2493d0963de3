import { createRoute, z } from "@hono/zod-openapi";
import { requireUser } from "../../auth/middleware";
import {
  bearer,
  errorResponses,
  IdParam,
  jsonBody,
  jsonResponse,
  Page,
  RoomSchema,
  RoomSummarySchema,
} from "../schemas";

const RoomName = z.string().trim().min(1).max(100).openapi({ example: "general" });
const Description = z.string().trim().max(1000).nullable();
const roomParams = z.object({ room_id: IdParam("room_id") });

export const create = createRoute({
  method: "post",
  operationId: "createRoom",
  path: "/room/",
  tags: ["rooms"],
  summary: "Create a room; the creator becomes its owner (room admin)",
  security: bearer,
  middleware: [requireUser] as const,
  request: {
    body: jsonBody(
      z
        .object({
          name: RoomName,
          description: Description.optional(),
          kind: z.enum(["public", "private"]).default("public"),
        })
        .openapi("RoomCreate"),
    ),
  },
  responses: { 201: jsonResponse(RoomSchema, "Created"), ...errorResponses(400, 401, 413, 422) },
});

export const list = createRoute({
  method: "get",
  operationId: "listMyRooms",
  path: "/room/rooms",
  tags: ["rooms"],
  summary: "My rooms with my role, the last message and my unread count (a global admin sees all)",
  security: bearer,
  middleware: [requireUser] as const,
  request: { query: z.object(Page) },
  responses: {
    200: jsonResponse(z.array(RoomSummarySchema), "Rooms, most recent activity first"),
    ...errorResponses(401, 422),
  },
});

export const searchPublic = createRoute({
  method: "get",
  operationId: "searchPublicRooms",
  path: "/room/public",
  tags: ["rooms"],
  summary: "Find public rooms by name",
  security: bearer,
  middleware: [requireUser] as const,
  request: { query: z.object({ q: z.string().max(100).default(""), ...Page }) },
  responses: { 200: jsonResponse(z.array(RoomSchema), "Public rooms by name"), ...errorResponses(401, 422) },
});

export const markRead = createRoute({
  method: "post",
  operationId: "markRoomRead",
  path: "/room/{room_id}/read",
  tags: ["rooms"],
  summary: "Mark the room read up to a seq (members)",
  security: bearer,
  middleware: [requireUser] as const,
  request: {
    params: roomParams,
    body: jsonBody(
      z.object({ seq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER) }).openapi("ReadMarker"),
    ),
  },
  responses: {
    200: jsonResponse(
      z.object({
        room_id: z.number().int(),
        last_read_seq: z.number().int(),
        unread_count: z.number().int(),
      }),
      "The stored marker and what is left unread",
    ),
    ...errorResponses(401, 403, 404, 422),
  },
});

export const get = createRoute({
  method: "get",
  operationId: "getRoom",
  path: "/room/{room_id}",
  tags: ["rooms"],
  summary: "Room details",
  security: bearer,
  middleware: [requireUser] as const,
  request: { params: roomParams },
  responses: { 200: jsonResponse(RoomSchema, "The room"), ...errorResponses(401, 404, 422) },
});

export const update = createRoute({
  method: "patch",
  operationId: "updateRoom",
  path: "/room/{room_id}",
  tags: ["rooms"],
  summary: "Rename or describe a room (room admin or global admin)",
  security: bearer,
  middleware: [requireUser] as const,
  request: {
    params: roomParams,
    body: jsonBody(z.object({ name: RoomName.optional(), description: Description.optional() }).strict()),
  },
  responses: { 200: jsonResponse(RoomSchema, "Updated"), ...errorResponses(400, 401, 403, 404, 422) },
});

export const remove = createRoute({
  method: "delete",
  operationId: "deleteRoom",
  path: "/room/{room_id}",
  tags: ["rooms"],
  summary: "Delete a room and its messages (room admin or global admin)",
  security: bearer,
  middleware: [requireUser] as const,
  request: { params: roomParams },
  responses: { 204: { description: "Deleted" }, ...errorResponses(401, 403, 404, 422) },
});
