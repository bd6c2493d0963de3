import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import { listDirect, openDirect } from "../../domain/direct";
import { toRoomOut, toSummaryOut } from "../schemas";
import * as routes from "./direct.routes";

export const directRoutes = new OpenAPIHono<AppEnv>()
  .openapi(routes.open, async (c) => {
    const { room, created } = await openDirect(c.var.db, c.var.user, c.req.valid("param").user_id);
    return created ? c.json(toRoomOut(room), 201) : c.json(toRoomOut(room), 200);
  })
  .openapi(routes.list, async (c) => {
    const { limit, offset } = c.req.valid("query");
    const rows = await listDirect(c.var.db, c.var.user, limit, offset);
    return c.json(
      rows.map((r) => ({ ...toSummaryOut(r.room, r), with: r.with })),
      200,
    );
  });
