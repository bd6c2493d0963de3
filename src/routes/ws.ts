import { OpenAPIHono } from "@hono/zod-openapi";
import { authenticate } from "../auth/middleware";
import type { AppEnv } from "../context";
import { asSocketUser } from "../domain/messages";
import { AppError, unauthorized } from "../errors";
import { SUBPROTOCOL } from "../room/protocol";
import { CONNECT_HEADERS } from "../room/room";
import { roomStub } from "../room/stub";
import { IdParam } from "./schemas";

const TOKEN_PROTOCOL_PREFIX = "bearer.";

/**
 * The token comes from `?token=` (the original service's form) or, for browsers, which cannot
 * set headers on a WebSocket, from `Sec-WebSocket-Protocol: roomcast.v1, bearer.<jwt>`.
 * Returns the token and the subprotocol to echo back (a browser fails the handshake otherwise).
 */
function tokenOf(url: URL, protocolHeader: string | undefined) {
  const offered = (protocolHeader ?? "")
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean);
  const fromProtocol = offered.find((p) => p.startsWith(TOKEN_PROTOCOL_PREFIX));
  const token = url.searchParams.get("token") ?? fromProtocol?.slice(TOKEN_PROTOCOL_PREFIX.length);
  const echo = offered.includes(SUBPROTOCOL) ? SUBPROTOCOL : fromProtocol;
  return { token, echo };
}

export const wsRoutes = new OpenAPIHono<AppEnv>().get("/ws/:room_id", async (c) => {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    throw new AppError("upgrade_required", 426, "Connect with a WebSocket upgrade");
  }
  const parsedId = IdParam("room_id").safeParse(c.req.param("room_id"));
  if (!parsedId.success) throw new AppError("validation_error", 422, "room_id must be a positive integer");
  const url = new URL(c.req.url);
  const { token, echo } = tokenOf(url, c.req.header("sec-websocket-protocol"));
  if (!token) throw unauthorized("Missing token: use ?token= or the bearer.<jwt> subprotocol");
  const user = await authenticate(c.env, c.var.config, token);

  // Identity travels in headers only the worker can set: anything the client sent is replaced.
  const headers = new Headers(c.req.raw.headers);
  for (const name of [...headers.keys()]) if (name.startsWith("x-roomcast-")) headers.delete(name);
  headers.set(CONNECT_HEADERS.user, JSON.stringify(asSocketUser(user)));
  headers.set(CONNECT_HEADERS.room, String(parsedId.data));
  if (echo) headers.set(CONNECT_HEADERS.subprotocol, echo);
  url.searchParams.delete("token");
  // The room decides access from its own roster and answers a refusal with the error body.
  return roomStub(c.env, parsedId.data).fetch(new Request(url, { headers }));
});
