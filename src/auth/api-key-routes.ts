import type { Context } from "hono";
import type { AppEnv } from "../context";
import { type ApiAction, authenticateApiKey, requireScope } from "./api-key";
import type { SessionUser } from "./session";

/**
 * The routes an API key may call, and the action each needs. Everything else (account, rooms,
 * members, bots, webhooks, search) is refused: a key acts inside the rooms it names, nothing more.
 */
const ROUTE_ACTIONS: Record<string, ApiAction> = {
  "GET /room/:room_id": "read",
  "GET /room/:room_id/members": "read",
  "POST /room/:room_id/read": "read",
  "GET /message/rooms/:room_id/messages": "read",
  "GET /message/rooms/:room_id/messages/:message_id/thread": "read",
  "POST /message/rooms/:room_id/messages": "post",
  "PATCH /message/rooms/:room_id/messages/:message_id": "post",
  "DELETE /message/rooms/:room_id/messages/:message_id": "post",
  "PUT /message/rooms/:room_id/messages/:message_id/reactions/:emoji": "react",
  "DELETE /message/rooms/:room_id/messages/:message_id/reactions/:emoji": "react",
};

/** The bot behind an API key, if the route and room are within the key's scope. */
export async function apiKeyUser(c: Context<AppEnv>, token: string): Promise<SessionUser> {
  const { user, scope } = await authenticateApiKey(c.var.db, token);
  const action = ROUTE_ACTIONS[`${c.req.method} ${c.req.routePath}`] ?? null;
  const roomId = Number(c.req.param("room_id"));
  requireScope(scope, action, Number.isSafeInteger(roomId) && roomId > 0 ? roomId : null);
  return user;
}

/** A socket can do everything a room allows over it, so it needs every action for its room. */
export async function apiKeySocketUser(
  c: Context<AppEnv>,
  token: string,
  roomId: number,
): Promise<SessionUser> {
  const { user, scope } = await authenticateApiKey(c.var.db, token);
  for (const action of ["read", "post", "react"] as const) requireScope(scope, action, roomId);
  return user;
}
