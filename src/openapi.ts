import type { OpenAPIHono } from "@hono/zod-openapi";
import { z } from "@hono/zod-openapi";
import type { AppEnv } from "./context";

/** Describes the API: security schemes, the WebSocket door, the document itself. */
export function describeApi(app: OpenAPIHono<AppEnv>) {
  // The WebSocket door is not a JSON route; described here so the document lists it.
  app.openAPIRegistry.registerPath({
    method: "get",
    path: "/ws/{room_id}",
    operationId: "connectRoomSocket",
    tags: ["real time"],
    summary: "Open the room's WebSocket (protocol: docs/protocol.md)",
    description:
      "Token in `?token=` or in `Sec-WebSocket-Protocol: roomcast.v1, bearer.<jwt>`. " +
      "`since=<seq>` resumes; `batch=1` asks for batches (a JSON array of frames per turn). A refused upgrade is accepted and closed at once with 4400, 4401, " +
      "4403, 4404 or 4429 and the error code as the reason (docs/protocol.md); the statuses below " +
      "are the HTTP equivalents.",
    request: {
      params: z.object({ room_id: z.number().int().positive() }),
      query: z.object({
        token: z.string().optional(),
        since: z.number().int().min(0).optional(),
        epoch: z.string().optional(),
        batch: z.enum(["1"]).optional(),
      }),
    },
    // The door takes the token in the query or the subprotocol, not in a header: its own scheme.
    security: [{ socketToken: [] }],
    responses: {
      101: { description: "Switching protocols: the socket is open" },
      401: { description: "Missing, invalid or expired token" },
      403: { description: "Banned, or not a member of a room you can see" },
      404: { description: "No such room, or a private room you are not in" },
      426: { description: "Not a WebSocket upgrade" },
      429: { description: "Too many sockets of yours in this room" },
    },
  });
  registerSecuritySchemes(app);
  app.doc31("/openapi.json", OPENAPI_DOCUMENT);
}

/** Who may call what: user tokens (bearer or OAuth2 password), the sockets' token, the scraper's secret. */
function registerSecuritySchemes(app: OpenAPIHono<AppEnv>) {
  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "socketToken", {
    type: "apiKey",
    in: "query",
    name: "token",
    description:
      "The access token for /ws/{room_id}: `?token=<jwt>`, or (browsers) the subprotocol `bearer.<jwt>` beside `roomcast.v1`",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "metricsToken", {
    type: "http",
    scheme: "bearer",
    description: "GET /metrics: the METRICS_TOKEN of the configuration, for scrapers",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "oauth2", {
    type: "oauth2",
    // Swagger UI's Authorize logs in here; refreshUrl is the same endpoint's refresh_token grant.
    flows: { password: { tokenUrl: "/auth/token", refreshUrl: "/auth/token", scopes: {} } },
  });
}

/** The inbox channel's door (`/ws/me`), like the room's: not a JSON route. */
export function describeInboxDoor(app: OpenAPIHono<AppEnv>) {
  app.openAPIRegistry.registerPath({
    method: "get",
    path: "/ws/me",
    operationId: "connectInbox",
    tags: ["real time"],
    summary: "Open your inbox channel: every room's head and your membership events (docs/protocol.md)",
    description:
      "Token as for rooms. `since=<seq>` and `epoch` resume the channel's own timeline. A refused " +
      "upgrade is accepted and closed at once with 4401 or 4429 and the error code as the reason.",
    request: {
      query: z.object({
        token: z.string().optional(),
        since: z.number().int().min(0).optional(),
        epoch: z.string().optional(),
      }),
    },
    security: [{ socketToken: [] }],
    responses: {
      101: { description: "Switching protocols: the channel is open" },
      401: { description: "Missing, invalid or expired token" },
      426: { description: "Not a WebSocket upgrade" },
      429: { description: "Too many inbox sockets of yours" },
    },
  });
}

/** The document's own fields; the paths come from the routes. */
export const OPENAPI_DOCUMENT = {
  openapi: "3.1.0",
  info: {
    title: "Roomcast API",
    version: "1.0.0",
    description: "Chat backend on Cloudflare Workers. Real-time rooms over WebSocket at /ws/{room_id}.",
    license: { name: "MIT", identifier: "MIT" },
  },
  // Relative: the document describes the server that serves it (local, staging or production).
  servers: [{ url: "/", description: "The server this document was fetched from" }],
};
