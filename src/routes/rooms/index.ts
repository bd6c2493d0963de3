import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import { requireReader } from "../../domain/access";
import {
  createRoom,
  deleteRoom,
  listRooms,
  markRead,
  searchPublicRooms,
  updateRoom,
} from "../../domain/rooms";
import { toRoomOut, toSummaryOut } from "../schemas";
import * as routes from "./rooms.routes";

// `/room/public` is registered before `/room/{room_id}` so that it is not taken for an id.
export const roomRoutes = new OpenAPIHono<AppEnv>()
  .openapi(routes.searchPublic, async (c) => {
    const { q, limit, offset } = c.req.valid("query");
    return c.json((await searchPublicRooms(c.var.db, q, limit, offset)).map(toRoomOut), 200);
  })
  .openapi(routes.markRead, async (c) => {
    const { room_id } = c.req.valid("param");
    return c.json(await markRead(c.var.db, c.env, c.var.user, room_id, c.req.valid("json").seq), 200);
  })
  .openapi(routes.create, async (c) => {
    const room = await createRoom(c.var.db, c.var.user, c.req.valid("json"));
    return c.json(toRoomOut(room), 201);
  })
  .openapi(routes.list, async (c) => {
    const { limit, offset } = c.req.valid("query");
    const rooms = await listRooms(c.var.db, c.var.user, limit, offset);
    return c.json(
      rooms.map((r) => ({ ...toSummaryOut(r.room, r), my_role: r.my_role })),
      200,
    );
  })
  .openapi(routes.get, async (c) => {
    const { room } = await requireReader(c.var.db, c.var.user, c.req.valid("param").room_id);
    return c.json(toRoomOut(room), 200);
  })
  .openapi(routes.update, async (c) => {
    const room = await updateRoom(c.var.db, c.var.user, c.req.valid("param").room_id, c.req.valid("json"));
    return c.json(toRoomOut(room), 200);
  })
  .openapi(routes.remove, async (c) => {
    await deleteRoom(c.var.db, c.env, c.var.user, c.req.valid("param").room_id);
    return c.body(null, 204);
  });
