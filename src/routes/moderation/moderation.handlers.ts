import type { RouteConfig } from "@hono/zod-openapi";
import { type AppRouteHandler, userScopeOf } from "../../context";
import { requireRoomAdmin } from "../../domain/access";
import { listAudit } from "../../domain/moderation/audit";
import { cleanup as runCleanup } from "../../domain/moderation/cleanup";
import * as filters from "../../domain/moderation/filters";
import * as reports from "../../domain/moderation/reports";
import * as restrictions from "../../domain/moderation/restrictions";
import type * as r from "./reports.routes";
import type * as m from "./rules.routes";

type H<R extends RouteConfig> = AppRouteHandler<R>;

export const listFilters: H<typeof m.listFilters> = async (c) =>
  c.json(await filters.listFilters(userScopeOf(c), c.req.valid("param").room_id), 200);

export const createFilter: H<typeof m.createFilter> = async (c) =>
  c.json(await filters.createFilter(userScopeOf(c), c.req.valid("param").room_id, c.req.valid("json")), 201);

export const deleteFilter: H<typeof m.deleteFilter> = async (c) => {
  const { room_id, filter_id } = c.req.valid("param");
  await filters.deleteFilter(userScopeOf(c), room_id, filter_id);
  return c.body(null, 204);
};

export const setSlowMode: H<typeof m.setSlowMode> = async (c) =>
  c.json(
    await restrictions.setSlowMode(userScopeOf(c), c.req.valid("param").room_id, c.req.valid("json").seconds),
    200,
  );

export const listMutes: H<typeof m.listMutes> = async (c) =>
  c.json(await restrictions.listMutes(userScopeOf(c), c.req.valid("param").room_id), 200);

export const mute: H<typeof m.mute> = async (c) => {
  const { room_id, user_id } = c.req.valid("param");
  const { seconds, reason } = c.req.valid("json");
  return c.json(await restrictions.muteUser(userScopeOf(c), room_id, user_id, seconds, reason ?? null), 200);
};

export const unmute: H<typeof m.unmute> = async (c) => {
  const { room_id, user_id } = c.req.valid("param");
  await restrictions.unmuteUser(userScopeOf(c), room_id, user_id);
  return c.body(null, 204);
};

export const listShadowBans: H<typeof m.listShadowBans> = async (c) =>
  c.json(await restrictions.listShadowBans(userScopeOf(c), c.req.valid("param").room_id), 200);

export const shadowBan: H<typeof m.shadowBan> = async (c) => {
  const { room_id, user_id } = c.req.valid("param");
  return c.json(await restrictions.setShadowBan(userScopeOf(c), room_id, user_id, true), 200);
};

export const unShadowBan: H<typeof m.unShadowBan> = async (c) => {
  const { room_id, user_id } = c.req.valid("param");
  return c.json(await restrictions.setShadowBan(userScopeOf(c), room_id, user_id, false), 200);
};

export const cleanup: H<typeof m.cleanup> = async (c) =>
  c.json(await runCleanup(userScopeOf(c), c.req.valid("param").room_id, c.req.valid("json")), 200);

export const report: H<typeof r.report> = async (c) => {
  const { room_id, message_id } = c.req.valid("param");
  return c.json(await reports.reportMessage(userScopeOf(c), room_id, message_id, c.req.valid("json")), 201);
};

export const roomReports: H<typeof r.roomReports> = async (c) => {
  const s = userScopeOf(c);
  const { room_id } = c.req.valid("param");
  await requireRoomAdmin(s.db, s.user, room_id);
  return c.json(await reports.listReports(s, room_id, c.req.valid("query")), 200);
};

export const allReports: H<typeof r.allReports> = async (c) =>
  c.json(await reports.listReports(userScopeOf(c), undefined, c.req.valid("query")), 200);

export const resolve: H<typeof r.resolve> = async (c) =>
  c.json(
    await reports.resolveReport(userScopeOf(c), c.req.valid("param").report_id, c.req.valid("json")),
    200,
  );

export const roomAudit: H<typeof r.roomAudit> = async (c) => {
  const s = userScopeOf(c);
  const { room_id } = c.req.valid("param");
  await requireRoomAdmin(s.db, s.user, room_id);
  return c.json(await listAudit(s.db, room_id, c.req.valid("query")), 200);
};

export const allAudit: H<typeof r.allAudit> = async (c) =>
  c.json(await listAudit(c.var.db, undefined, c.req.valid("query")), 200);

export const globalFilters: H<typeof r.globalFilters> = async (c) =>
  c.json(await filters.listFilters(userScopeOf(c), null), 200);

export const createGlobalFilter: H<typeof r.createGlobalFilter> = async (c) =>
  c.json(await filters.createFilter(userScopeOf(c), null, c.req.valid("json")), 201);

export const deleteGlobalFilter: H<typeof r.deleteGlobalFilter> = async (c) => {
  await filters.deleteFilter(userScopeOf(c), null, c.req.valid("param").filter_id);
  return c.body(null, 204);
};
