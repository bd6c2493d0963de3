import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import { requireReader } from "../../domain/access";
import { createRoom, deleteRoom, listRooms, updateRoom } from "../../domain/rooms";
import { toRoomOut } from "../schemas";
import * as routes from "./rooms.routes";

export const roomRoutes = new OpenAPIHono<AppEnv>()
  .openapi(routes.create, async (c) => {
    const room = await createRoom(c.var.db, c.var.user, c.req.valid("json"));
    return c.json(toRoomOut(room), 201);
  })
  .openapi(routes.list, async (c) => {
    const { limit, offset } = c.req.valid("query");
    return c.json((await listRooms(c.var.db, c.var.user, limit, offset)).map(toRoomOut), 200);
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
