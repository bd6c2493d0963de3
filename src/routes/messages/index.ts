import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import { deleteMessage, editMessage, listMessages, postMessage } from "../../domain/messages";
import { toMessageOut } from "../schemas";
import * as routes from "./messages.routes";

export const messageRoutes = new OpenAPIHono<AppEnv>()
  .openapi(routes.send, async (c) => {
    const { content, client_id } = c.req.valid("json");
    const roomId = c.req.valid("param").room_id;
    const { event, duplicate } = await postMessage(c.env, c.var.user, roomId, content, client_id ?? null);
    // A retried client_id answers 200 with the original message instead of creating another.
    return duplicate ? c.json(toMessageOut(event), 200) : c.json(toMessageOut(event), 201);
  })
  .openapi(routes.list, async (c) => {
    const rows = await listMessages(c.env, c.var.user, c.req.valid("param").room_id, c.req.valid("query"));
    return c.json(rows.map(toMessageOut), 200);
  })
  .openapi(routes.edit, async (c) => {
    const { room_id, message_id } = c.req.valid("param");
    const { message } = await editMessage(
      c.env,
      c.var.user,
      room_id,
      message_id,
      c.req.valid("json").content,
    );
    return c.json(toMessageOut(message), 200);
  })
  .openapi(routes.remove, async (c) => {
    const { room_id, message_id } = c.req.valid("param");
    const { message } = await deleteMessage(c.env, c.var.user, room_id, message_id);
    return c.json(toMessageOut(message), 200);
  });
