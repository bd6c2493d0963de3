import { type AppRouteHandler, userScopeOf } from "../../context";
import { listDirect, openDirect } from "../../domain/direct";
import { toRoomOut, toSummaryOut } from "../schemas";
import type * as routes from "./direct.routes";

export const open: AppRouteHandler<typeof routes.open> = async (c) => {
  const { room, created } = await openDirect(userScopeOf(c), c.req.valid("param").user_id);
  return created ? c.json(toRoomOut(room), 201) : c.json(toRoomOut(room), 200);
};

export const list: AppRouteHandler<typeof routes.list> = async (c) => {
  const { limit, offset } = c.req.valid("query");
  const rows = await listDirect(userScopeOf(c), limit, offset);
  return c.json(
    rows.map((r) => ({ ...toSummaryOut(r.room, r), with: r.with })),
    200,
  );
};
