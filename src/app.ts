import { swaggerUI } from "@hono/swagger-ui";
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "./context";
import { apiCors } from "./cors";
import { pgError } from "./db/client";
import { withDb } from "./db/middleware";
import { AppError } from "./errors";
import { authRoutes } from "./routes/auth";
import { directRoutes } from "./routes/direct";
import { memberRoutes } from "./routes/members";
import { messageRoutes } from "./routes/messages";
import { roomRoutes } from "./routes/rooms";
import { userRoutes } from "./routes/users";
import { wsRoutes } from "./routes/ws";

export const MAX_BODY_BYTES = 64 * 1024;

/** Every request-validation failure becomes one 422 with the offending fields listed. */
const validationHook = (result: { success: boolean; error?: unknown; target?: string }) => {
  if (result.success) return;
  const issues = (result.error as { issues?: Array<{ path: PropertyKey[]; message: string; code?: string }> })
    .issues;
  throw new AppError(
    "validation_error",
    422,
    "Request validation failed",
    (issues ?? []).map((i) => ({
      in: result.target,
      path: i.path.map(String).join("."),
      message: i.message,
    })),
  );
};

/** Maps anything thrown to the one error body. Unexpected errors are logged and answered generically. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof HTTPException) {
    const status = err.status as ContentfulStatusCode;
    if (status === 413) return new AppError("payload_too_large", 413, `Body exceeds ${MAX_BODY_BYTES} bytes`);
    if (status === 400 && /json/i.test(err.message)) return new AppError("malformed_json", 400, err.message);
    return new AppError(status < 500 ? "bad_request" : "internal_error", status, err.message);
  }
  if (databaseUnavailable(err)) {
    console.error("database unavailable", err);
    return new AppError("database_unavailable", 503, "The database is unavailable; try again shortly");
  }
  console.error("unhandled error", err);
  return new AppError("internal_error", 500, "Internal server error");
}

/** Connection failures and PostgreSQL's classes 08 (connection) and 53 (resources): not the client's fault. */
function databaseUnavailable(err: unknown): boolean {
  const code = pgError(err)?.code;
  if (code) return code.startsWith("08") || code.startsWith("53") || code === "57P03";
  const text = String((err as { cause?: unknown })?.cause ?? err);
  return /Connection terminated|connection lost|ECONNREFUSED|WebSocket/i.test(text);
}

export function createApp() {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.onError((err, c) => {
    const appError = toAppError(err);
    return c.json(appError.toJSON(), appError.status);
  });
  app.notFound((c) => c.json(new AppError("route_not_found", 404, "No such route").toJSON(), 404));

  app.use("*", apiCors);
  app.get("/health", (c) => c.json({ ok: true }));

  const api = ["/auth/*", "/user/*", "/room/*", "/message/*", "/dm", "/dm/*"];
  for (const path of api) {
    app.use(
      path,
      bodyLimit({
        maxSize: MAX_BODY_BYTES,
        onError: () => {
          throw new AppError("payload_too_large", 413, `Body exceeds ${MAX_BODY_BYTES} bytes`);
        },
      }),
      withDb,
    );
  }

  app.route("/", authRoutes);
  app.route("/", userRoutes);
  app.route("/", roomRoutes);
  app.route("/", memberRoutes);
  app.route("/", directRoutes);
  app.route("/", messageRoutes);
  app.use("/ws/*", withDb);
  app.route("/", wsRoutes);

  // The WebSocket door is not a JSON route; described here so the document lists it.
  app.openAPIRegistry.registerPath({
    method: "get",
    path: "/ws/{room_id}",
    operationId: "connectRoomSocket",
    tags: ["real time"],
    summary: "Open the room's WebSocket (protocol: docs/protocol.md)",
    description:
      "Token in `?token=` or in `Sec-WebSocket-Protocol: roomcast.v1, bearer.<jwt>`. " +
      "`since=<seq>` resumes. A refused upgrade is accepted and closed at once with 4400, 4401, " +
      "4403, 4404 or 4429 and the error code as the reason (docs/protocol.md); the statuses below " +
      "are the HTTP equivalents.",
    request: {
      params: z.object({ room_id: z.number().int().positive() }),
      query: z.object({
        token: z.string().optional(),
        since: z.number().int().min(0).optional(),
        epoch: z.string().optional(),
      }),
    },
    responses: {
      101: { description: "Switching protocols: the socket is open" },
      401: { description: "Missing, invalid or expired token" },
      403: { description: "Banned, or not a member of a room you can see" },
      404: { description: "No such room, or a private room you are not in" },
      426: { description: "Not a WebSocket upgrade" },
      429: { description: "Too many sockets of yours in this room" },
    },
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "oauth2", {
    type: "oauth2",
    flows: { password: { tokenUrl: "/auth/token", scopes: {} } },
  });
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "Roomcast API",
      version: "1.0.0",
      description: "Chat backend on Cloudflare Workers. Real-time rooms over WebSocket at /ws/{room_id}.",
    },
  });
  // Swagger UI's assets are the pinned swagger-ui-dist, served from public/vendor (no CDN).
  app.get("/docs", swaggerUI({ url: "/openapi.json", persistAuthorization: true, baseUrl: "/vendor" }));

  return app;
}
