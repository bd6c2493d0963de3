import { type AppRouteHandler, readScopeOf, userScopeOf } from "../../context";
import {
  deleteMessage,
  editMessage,
  listMessages,
  listThread,
  postMessage,
  react,
} from "../../domain/messages";
import { jsonText } from "../json-text";
import { toMessageOut } from "../schemas";
import type * as routes from "./messages.routes";

export const send: AppRouteHandler<typeof routes.send> = async (c) => {
  const { content, client_id, reply_to, attachments } = c.req.valid("json");
  const { event, duplicate, modified } = await postMessage(userScopeOf(c), c.req.valid("param").room_id, {
    content,
    clientId: client_id ?? null,
    replyTo: reply_to ?? null,
    files: attachments ?? [],
  });
  // A retried client_id answers 200 with the original message instead of creating another.
  if (duplicate) return c.json(toMessageOut(event), 200);
  return c.json({ ...toMessageOut(event), ...(modified && { modified }) }, 201);
};

export const list: AppRouteHandler<typeof routes.list> = async (c) => {
  const page = await listMessages(readScopeOf(c), c.req.valid("param").room_id, c.req.valid("query"));
  return jsonText(c, page, 200);
};

export const edit: AppRouteHandler<typeof routes.edit> = async (c) => {
  const { room_id, message_id } = c.req.valid("param");
  const { message } = await editMessage(userScopeOf(c), room_id, message_id, c.req.valid("json").content);
  return c.json(toMessageOut(message), 200);
};

export const remove: AppRouteHandler<typeof routes.remove> = async (c) => {
  const { room_id, message_id } = c.req.valid("param");
  const { message } = await deleteMessage(userScopeOf(c), room_id, message_id);
  return c.json(toMessageOut(message), 200);
};

export const thread: AppRouteHandler<typeof routes.thread> = async (c) => {
  const { room_id, message_id } = c.req.valid("param");
  const page = await listThread(readScopeOf(c), room_id, message_id, c.req.valid("query"));
  return jsonText(c, page, 200);
};

export const addReaction: AppRouteHandler<typeof routes.addReaction> = async (c) => {
  const { room_id, message_id, emoji } = c.req.valid("param");
  return c.json(await react(userScopeOf(c), room_id, message_id, emoji, true), 200);
};

export const removeReaction: AppRouteHandler<typeof routes.removeReaction> = async (c) => {
  const { room_id, message_id, emoji } = c.req.valid("param");
  return c.json(await react(userScopeOf(c), room_id, message_id, emoji, false), 200);
};
