import { createRoute, z } from "@hono/zod-openapi";
import { requireUser } from "../../auth/middleware";
import { bearer, errorResponses, IdParam, jsonBody, jsonResponse, MemberSchema } from "../schemas";

const roomParams = z.object({ room_id: IdParam("room_id") });
const memberParams = z.object({ room_id: IdParam("room_id"), user_id: IdParam("user_id") });
const common = { tags: ["members"], security: bearer, middleware: [requireUser] };
const ok = (description: string) => ({ 200: { description } });

export const list = createRoute({
  ...common,
  method: "get",
  operationId: "listMembers",
  path: "/room/{room_id}/members",
  summary: "Members with their roles (owner, admins, then members)",
  request: { params: roomParams },
  responses: { 200: jsonResponse(z.array(MemberSchema), "Members"), ...errorResponses(401, 403, 404, 422) },
});

export const join = createRoute({
  ...common,
  method: "post",
  operationId: "joinRoom",
  path: "/room/{room_id}/members/join",
  summary: "Join a public room (idempotent)",
  request: { params: roomParams },
  responses: {
    201: jsonResponse(MemberSchema, "Joined"),
    200: jsonResponse(MemberSchema, "Already a member"),
    ...errorResponses(401, 403, 404, 422),
  },
});

export const leave = createRoute({
  ...common,
  method: "post",
  operationId: "leaveRoom",
  path: "/room/{room_id}/members/leave",
  summary: "Leave a room (the owner cannot leave)",
  request: { params: roomParams },
  responses: {
    204: { description: "Left" },
    ...errorResponses(401, [403, "direct_room"], 404, [409, "owner_protected"], 422),
  },
});

export const add = createRoute({
  ...common,
  method: "post",
  operationId: "addMember",
  path: "/room/{room_id}/members",
  summary: "Add a user (room admins; as admin: the owner)",
  request: {
    params: roomParams,
    body: jsonBody(
      z
        .object({ user_id: z.number().int().positive(), role: z.enum(["admin", "member"]).default("member") })
        .openapi("MemberAdd"),
    ),
  },
  responses: {
    201: jsonResponse(MemberSchema, "Added"),
    200: jsonResponse(MemberSchema, "Already a member"),
    ...errorResponses(401, [403, "forbidden", "direct_room"], 404, [409, "user_banned"], 422),
  },
});

export const changeRole = createRoute({
  ...common,
  method: "patch",
  operationId: "changeMemberRole",
  path: "/room/{room_id}/members/{user_id}",
  summary: "Make a member an admin or back (the owner)",
  request: {
    params: memberParams,
    body: jsonBody(z.object({ role: z.enum(["admin", "member"]) }).openapi("MemberRole")),
  },
  responses: {
    200: jsonResponse(MemberSchema, "Changed"),
    ...errorResponses(401, 403, 404, [409, "owner_protected"], 422),
  },
});

export const remove = createRoute({
  ...common,
  method: "delete",
  operationId: "removeMember",
  path: "/room/{room_id}/members/{user_id}",
  summary: "Remove a member (room admins; admins only by the owner); their sockets close with 4403",
  request: { params: memberParams },
  responses: {
    204: { description: "Removed" },
    ...errorResponses(401, [403, "forbidden", "direct_room"], 404, [409, "owner_protected"], 422),
  },
});

export const ban = createRoute({
  ...common,
  method: "post",
  operationId: "banMember",
  path: "/room/{room_id}/members/{user_id}/ban",
  summary: "Ban a user: membership ends, sockets close with 4403, rejoining is refused",
  request: { params: memberParams },
  responses: {
    ...ok("Banned"),
    ...errorResponses(
      401,
      [403, "forbidden", "direct_room"],
      404,
      [409, "owner_protected", "cannot_ban_self"],
      422,
    ),
  },
});

export const unban = createRoute({
  ...common,
  method: "delete",
  operationId: "unbanMember",
  path: "/room/{room_id}/members/{user_id}/ban",
  summary: "Lift a ban (room admins); the user may join or be added again",
  request: { params: memberParams },
  responses: { 204: { description: "Unbanned" }, ...errorResponses(401, 403, 404, 422) },
});
