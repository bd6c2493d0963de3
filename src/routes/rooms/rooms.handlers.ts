import { type AppRouteHandler, readScopeOf, scopeOf, userScopeOf } from "../../context";
import { describeRoom } from "../../domain/messages";
import {
  createRoom,
  deleteRoom,
  listRooms,
  markRead as markRoomRead,
  searchPublicRooms,
  updateRoom,
} from "../../domain/rooms";
import { toRoomOut, toSummaryOut } from "../schemas";
import type * as routes from "./rooms.routes";

export const searchPublic: AppRouteHandler<typeof routes.searchPublic> = async (c) => {
  const { q, limit, offset } = c.req.valid("query");
  return c.json((await searchPublicRooms(scopeOf(c), q, limit, offset)).map(toRoomOut), 200);
};

export const markRead: AppRouteHandler<typeof routes.markRead> = async (c) =>
  c.json(await markRoomRead(userScopeOf(c), c.req.valid("param").room_id, c.req.valid("json").seq), 200);

export const create: AppRouteHandler<typeof routes.create> = async (c) =>
  c.json(toRoomOut(await createRoom(userScopeOf(c), c.req.valid("json"))), 201);

export const list: AppRouteHandler<typeof routes.list> = async (c) => {
  const { limit, offset } = c.req.valid("query");
  const rooms = await listRooms(userScopeOf(c), limit, offset);
  return c.json(
    rooms.map((r) => ({ ...toSummaryOut(r.room, r), my_role: r.my_role })),
    200,
  );
};

export const get: AppRouteHandler<typeof routes.get> = async (c) =>
  c.json(toRoomOut(await describeRoom(readScopeOf(c), c.req.valid("param").room_id)), 200);

export const update: AppRouteHandler<typeof routes.update> = async (c) => {
  const room = await updateRoom(userScopeOf(c), c.req.valid("param").room_id, c.req.valid("json"));
  return c.json(toRoomOut(room), 200);
};

export const remove: AppRouteHandler<typeof routes.remove> = async (c) => {
  await deleteRoom(userScopeOf(c), c.req.valid("param").room_id);
  return c.body(null, 204);
};
