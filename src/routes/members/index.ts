import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import {
  addMember,
  banUser,
  changeRole,
  joinRoom,
  leaveRoom,
  listMembers,
  removeMember,
  unbanUser,
} from "../../domain/members";
import * as routes from "./members.routes";

export const memberRoutes = new OpenAPIHono<AppEnv>()
  .openapi(routes.list, async (c) =>
    c.json(await listMembers(c.var.db, c.var.user, c.req.valid("param").room_id), 200),
  )
  .openapi(routes.join, async (c) => {
    const { member, created } = await joinRoom(c.var.db, c.env, c.var.user, c.req.valid("param").room_id);
    return created ? c.json(member, 201) : c.json(member, 200);
  })
  .openapi(routes.leave, async (c) => {
    await leaveRoom(c.var.db, c.env, c.var.user, c.req.valid("param").room_id);
    return c.body(null, 204);
  })
  .openapi(routes.add, async (c) => {
    const { user_id, role } = c.req.valid("json");
    const { member, created } = await addMember(
      c.var.db,
      c.env,
      c.var.user,
      c.req.valid("param").room_id,
      user_id,
      role,
    );
    return created ? c.json(member, 201) : c.json(member, 200);
  })
  .openapi(routes.changeRole, async (c) => {
    const { room_id, user_id } = c.req.valid("param");
    return c.json(
      await changeRole(c.var.db, c.env, c.var.user, room_id, user_id, c.req.valid("json").role),
      200,
    );
  })
  .openapi(routes.remove, async (c) => {
    const { room_id, user_id } = c.req.valid("param");
    await removeMember(c.var.db, c.env, c.var.user, room_id, user_id);
    return c.body(null, 204);
  })
  .openapi(routes.ban, async (c) => {
    const { room_id, user_id } = c.req.valid("param");
    await banUser(c.var.db, c.env, c.var.user, room_id, user_id);
    return c.body(null, 200);
  })
  .openapi(routes.unban, async (c) => {
    const { room_id, user_id } = c.req.valid("param");
    await unbanUser(c.var.db, c.env, c.var.user, room_id, user_id);
    return c.body(null, 204);
  });
