import { type AppRouteHandler, userScopeOf } from "../../context";
import {
  addMember,
  banUser,
  changeRole as changeMemberRole,
  joinRoom,
  leaveRoom,
  listMembers,
  removeMember,
  unbanUser,
} from "../../domain/members";
import type * as routes from "./members.routes";

export const list: AppRouteHandler<typeof routes.list> = async (c) =>
  c.json(await listMembers(userScopeOf(c), c.req.valid("param").room_id), 200);

export const join: AppRouteHandler<typeof routes.join> = async (c) => {
  const { member, created } = await joinRoom(userScopeOf(c), c.req.valid("param").room_id);
  return created ? c.json(member, 201) : c.json(member, 200);
};

export const leave: AppRouteHandler<typeof routes.leave> = async (c) => {
  await leaveRoom(userScopeOf(c), c.req.valid("param").room_id);
  return c.body(null, 204);
};

export const add: AppRouteHandler<typeof routes.add> = async (c) => {
  const { user_id, role } = c.req.valid("json");
  const { member, created } = await addMember(userScopeOf(c), c.req.valid("param").room_id, user_id, role);
  return created ? c.json(member, 201) : c.json(member, 200);
};

export const changeRole: AppRouteHandler<typeof routes.changeRole> = async (c) => {
  const { room_id, user_id } = c.req.valid("param");
  return c.json(await changeMemberRole(userScopeOf(c), room_id, user_id, c.req.valid("json").role), 200);
};

export const remove: AppRouteHandler<typeof routes.remove> = async (c) => {
  const { room_id, user_id } = c.req.valid("param");
  await removeMember(userScopeOf(c), room_id, user_id);
  return c.body(null, 204);
};

export const ban: AppRouteHandler<typeof routes.ban> = async (c) => {
  const { room_id, user_id } = c.req.valid("param");
  await banUser(userScopeOf(c), room_id, user_id);
  return c.body(null, 200);
};

export const unban: AppRouteHandler<typeof routes.unban> = async (c) => {
  const { room_id, user_id } = c.req.valid("param");
  await unbanUser(userScopeOf(c), room_id, user_id);
  return c.body(null, 204);
};
