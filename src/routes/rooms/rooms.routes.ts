import { createRoute, z } from "@hono/zod-openapi";
import { CREATABLE_ROOM_KINDS } from "../../protocol";
import {
  errorResponses,
  IdParam,
  jsonBody,
  jsonResponse,
  Page,
  RoomSchema,
  RoomSummarySchema,
  signedIn,
  signedInReader,
} from "../schemas";

const RoomName = z.string().trim().min(1).max(100).openapi({ example: "general" });
const Description = z.string().trim().max(1000).nullable();
const roomParams = z.object({ room_id: IdParam("room_id") });

export const create = createRoute({
  ...signedIn("rooms"),
  method: "post",
  operationId: "createRoom",
  path: "/room/",
  summary: "Create a room; the creator becomes its owner (room admin)",
  request: {
    body: jsonBody(
      z
        .object({
          name: RoomName,
          description: Description.optional(),
          kind: z.enum(CREATABLE_ROOM_KINDS).default("public"),
        })
        .openapi("RoomCreate"),
    ),
  },
  responses: {
    201: jsonResponse(RoomSchema, "Created"),
    ...errorResponses(400, 401, 413, 422, [429, "too_many_rooms"]),
  },
});

export const list = createRoute({
  ...signedIn("rooms"),
  method: "get",
  operationId: "listMyRooms",
  path: "/room/rooms",
  summary: "My rooms with my role, the last message and my unread count (a global admin sees all)",
  request: { query: z.object(Page) },
  responses: {
    200: jsonResponse(z.array(RoomSummarySchema), "Rooms, most recent activity first"),
    ...errorResponses(401, 422),
  },
});

export const searchPublic = createRoute({
  ...signedIn("rooms"),
  method: "get",
  operationId: "searchPublicRooms",
  path: "/room/public",
  summary: "Find public rooms by name",
  request: { query: z.object({ q: z.string().max(100).default(""), ...Page }) },
  responses: { 200: jsonResponse(z.array(RoomSchema), "Public rooms by name"), ...errorResponses(401, 422) },
});

export const markRead = createRoute({
  ...signedIn("rooms"),
  method: "post",
  operationId: "markRoomRead",
  path: "/room/{room_id}/read",
  summary: "Mark the room read up to a seq (members)",
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
  ...signedInReader("rooms"),
  method: "get",
  operationId: "getRoom",
  path: "/room/{room_id}",
  summary: "Room details",
  request: { params: roomParams },
  responses: { 200: jsonResponse(RoomSchema, "The room"), ...errorResponses(401, 404, 422) },
});

export const update = createRoute({
  ...signedIn("rooms"),
  method: "patch",
  operationId: "updateRoom",
  path: "/room/{room_id}",
  summary: "Rename or describe a room (room admin or global admin)",
  request: {
    params: roomParams,
    body: jsonBody(z.object({ name: RoomName.optional(), description: Description.optional() }).strict()),
  },
  responses: { 200: jsonResponse(RoomSchema, "Updated"), ...errorResponses(400, 401, 403, 404, 422) },
});

export const remove = createRoute({
  ...signedIn("rooms"),
  method: "delete",
  operationId: "deleteRoom",
  path: "/room/{room_id}",
  summary: "Delete a room and its messages (room admin or global admin)",
  request: { params: roomParams },
  responses: { 204: { description: "Deleted" }, ...errorResponses(401, 403, 404, 422) },
});
