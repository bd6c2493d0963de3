import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import { listMessages, postMessage } from "../../domain/messages";
import { toMessageOut } from "../schemas";
import * as routes from "./messages.routes";

export const messageRoutes = new OpenAPIHono<AppEnv>()
  .openapi(routes.send, async (c) => {
    const { content, client_id } = c.req.valid("json");
    const message = await postMessage(c.var.db, c.var.user, c.req.valid("param").room_id, content, client_id);
    return c.json(toMessageOut(message), 201);
  })
  .openapi(routes.list, async (c) => {
    const rows = await listMessages(c.var.db, c.var.user, c.req.valid("param").room_id, c.req.valid("query"));
    return c.json(rows.map(toMessageOut), 200);
  });
