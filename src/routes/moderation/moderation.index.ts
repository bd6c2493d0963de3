import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import * as h from "./moderation.handlers";
import * as r from "./reports.routes";
import * as m from "./rules.routes";

export const moderationRoutes = new OpenAPIHono<AppEnv>()
  .openapi(m.listFilters, h.listFilters)
  .openapi(m.createFilter, h.createFilter)
  .openapi(m.deleteFilter, h.deleteFilter)
  .openapi(m.setSlowMode, h.setSlowMode)
  .openapi(m.listMutes, h.listMutes)
  .openapi(m.mute, h.mute)
  .openapi(m.unmute, h.unmute)
  .openapi(m.listShadowBans, h.listShadowBans)
  .openapi(m.shadowBan, h.shadowBan)
  .openapi(m.unShadowBan, h.unShadowBan)
  .openapi(m.cleanup, h.cleanup)
  .openapi(r.report, h.report)
  .openapi(r.roomReports, h.roomReports)
  .openapi(r.allReports, h.allReports)
  .openapi(r.resolve, h.resolve)
  .openapi(r.roomAudit, h.roomAudit)
  .openapi(r.allAudit, h.allAudit)
  .openapi(r.globalFilters, h.globalFilters)
  .openapi(r.createGlobalFilter, h.createGlobalFilter)
  .openapi(r.deleteGlobalFilter, h.deleteGlobalFilter);
