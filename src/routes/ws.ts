import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { isApiKey } from "../auth/api-key";
import { apiKeySocketUser } from "../auth/api-key-routes";
import { authenticate } from "../auth/middleware";
import type { AppEnv } from "../context";
import { asSocketUser } from "../domain/messages";
import { blockedUsers } from "../domain/people";
import { AppError, unauthorized } from "../errors";
import type { InboxSocketUser } from "../inbox/connect";
import { inboxStub } from "../inbox/notify";
import { CONNECT_HEADERS, INBOX_HEADERS, refusalCloseCode, SUBPROTOCOL, SUBPROTOCOL_V2 } from "../protocol";
import { roomStub } from "../room";
import { IdParam } from "./schemas";

const TOKEN_PROTOCOL_PREFIX = "bearer.";
/**
 * Built once: `.openapi()` registers every schema it makes in zod-to-openapi's global registry
 * for good, so building it per upgrade kept four schemas alive per connection (issue 25).
 */
const RoomIdParam = IdParam("room_id");
/** A room socket speaks v2 (presence deltas) when offered, else v1 (docs/protocol.md, "Version 2"). */
const ROOM_SUBPROTOCOLS = [SUBPROTOCOL_V2, SUBPROTOCOL] as const;

/**
 * The token comes from `?token=` (the original service's form) or, for browsers, which cannot
 * set headers on a WebSocket, from `Sec-WebSocket-Protocol: roomcast.v1, bearer.<jwt>`.
 * Returns the token and the subprotocol to echo back: the newest version we speak of those offered
 * (`speaks`, newest first), never the `bearer.` entry (that would copy the token into response
 * headers and logs).
 */
function tokenOf(url: URL, protocolHeader: string | undefined, speaks: readonly string[] = [SUBPROTOCOL]) {
  const offered = (protocolHeader ?? "")
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean);
  const fromProtocol = offered.find((p) => p.startsWith(TOKEN_PROTOCOL_PREFIX));
  const token = url.searchParams.get("token") ?? fromProtocol?.slice(TOKEN_PROTOCOL_PREFIX.length);
  const echo = speaks.find((p) => offered.includes(p)) ?? null;
  return { token, echo };
}

/**
 * Refuses an upgrade in a way a browser can read: accept it here, in the worker, and close it at
 * once with a 44xx code and the error's `code` as the reason. A plain HTTP refusal reaches a
 * browser only as close 1006, indistinguishable from a network failure. The refused socket never
 * reaches the room object.
 */
function refuse(status: number, code: string, echo: string | null, retryAfterMs?: number): Response {
  const { 0: client, 1: server } = new WebSocketPair();
  server.accept();
  // A close reason holds only the code: when to retry travels in an `error` frame just before it.
  if (retryAfterMs !== undefined) {
    const message = "Refused for now: retry after retry_after_ms";
    server.send(JSON.stringify({ type: "error", code, message, retry_after_ms: retryAfterMs }));
  }
  server.close(refusalCloseCode(status), code.slice(0, 120));
  const headers = new Headers();
  // A browser that offered subprotocols fails a handshake answered without one (close 1006 again).
  if (echo) headers.set("sec-websocket-protocol", echo);
  return new Response(null, { status: 101, webSocket: client, headers });
}

/** A refusal from the object behind the door becomes the same visible close as the worker's own. */
async function relay(res: Response, echo: string | null): Promise<Response> {
  if (res.status === 101 || res.status >= 500) return res;
  const body = (await res.json().catch(() => null)) as { error?: { code?: string } } | null;
  const retry = Number(res.headers.get("retry-after-ms"));
  return refuse(res.status, body?.error?.code ?? "refused", echo, retry > 0 ? retry : undefined);
}

/** The user's inbox channel (every room at once, docs/protocol.md): token checked as for rooms. */
const inboxDoor = async (c: Context<AppEnv>) => {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    throw new AppError("upgrade_required", 426, "Connect with a WebSocket upgrade");
  }
  const url = new URL(c.req.url);
  const { token, echo } = tokenOf(url, c.req.header("sec-websocket-protocol"));
  try {
    if (!token) throw unauthorized("Missing token: use ?token= or the bearer.<jwt> subprotocol");
    const user = await authenticate(c.env, c.var.config, token);
    const headers = new Headers(c.req.raw.headers);
    for (const name of [...headers.keys()]) if (name.startsWith("x-roomcast-")) headers.delete(name);
    const who: InboxSocketUser = { id: user.id, username: user.username };
    if (user.sessionId !== undefined) who.sessionId = user.sessionId;
    headers.set(INBOX_HEADERS.user, JSON.stringify(who));
    if (echo) headers.set(INBOX_HEADERS.subprotocol, echo);
    url.searchParams.delete("token");
    return await relay(await inboxStub(c.env, user.id).fetch(new Request(url, { headers })), echo);
  } catch (err) {
    if (err instanceof AppError && err.status < 500) return refuse(err.status, err.code, echo);
    throw err;
  }
};

export const wsRoutes = new OpenAPIHono<AppEnv>().get("/ws/me", inboxDoor).get("/ws/:room_id", async (c) => {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    throw new AppError("upgrade_required", 426, "Connect with a WebSocket upgrade");
  }
  const url = new URL(c.req.url);
  const { token, echo } = tokenOf(url, c.req.header("sec-websocket-protocol"), ROOM_SUBPROTOCOLS);
  try {
    const parsedId = RoomIdParam.safeParse(c.req.param("room_id"));
    if (!parsedId.success) throw new AppError("validation_error", 422, "room_id must be a positive integer");
    if (!token) throw unauthorized("Missing token: use ?token= or the bearer.<jwt> subprotocol");
    const user = isApiKey(token)
      ? await apiKeySocketUser(c, token, parsedId.data)
      : await authenticate(c.env, c.var.config, token);

    // Identity travels in headers only the worker can set: anything the client sent is replaced.
    const headers = new Headers(c.req.raw.headers);
    for (const name of [...headers.keys()]) if (name.startsWith("x-roomcast-")) headers.delete(name);
    headers.set(CONNECT_HEADERS.user, JSON.stringify(asSocketUser(user)));
    headers.set(CONNECT_HEADERS.room, String(parsedId.data));
    if (!isApiKey(token))
      headers.set(CONNECT_HEADERS.blocks, JSON.stringify(await blockedUsers(c.env, user.id)));
    if (echo) headers.set(CONNECT_HEADERS.subprotocol, echo);
    url.searchParams.delete("token");
    // The room decides access from its own roster; a refusal comes back as the error body and
    // becomes the same visible close as the worker's own refusals.
    return await relay(await roomStub(c.env, parsedId.data).fetch(new Request(url, { headers })), echo);
  } catch (err) {
    // Client errors become a visible close; server faults (503, 500) stay HTTP answers.
    if (err instanceof AppError && err.status < 500) return refuse(err.status, err.code, echo);
    throw err;
  }
});
