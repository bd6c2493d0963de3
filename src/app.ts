import { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import type { AppEnv } from "./context";
import { apiCors } from "./cors";
import { MAX_BODY_BYTES, payloadTooLarge, toAppError } from "./errors";
import { health } from "./metrics/health";
import { database } from "./middleware/database";
import { securityHeaders } from "./middleware/security-headers";
import { validationHook } from "./middleware/validation";
import { describeApi, describeInboxDoor } from "./openapi";
import { adminRoutes } from "./routes/admin/admin.index";
import { authRoutes } from "./routes/auth/auth.index";
import { botRoutes } from "./routes/bots/bots.index";
import { directRoutes } from "./routes/direct/direct.index";
import { docsPage } from "./routes/docs";
import { fileRoutes } from "./routes/files/files.index";
import { UPLOAD_PATH } from "./routes/files/files.routes";
import { memberRoutes } from "./routes/members/members.index";
import { mentionRoutes } from "./routes/mentions/mentions.index";
import { messageRoutes } from "./routes/messages/messages.index";
import { metricsRoutes } from "./routes/metrics/metrics.index";
import { moderationRoutes } from "./routes/moderation/moderation.index";
import { peopleRoutes } from "./routes/people/people.index";
import { pushRoutes } from "./routes/push/push.index";
import { roomRoutes } from "./routes/rooms/rooms.index";
import { searchRoutes } from "./routes/search/search.index";
import { sessionRoutes } from "./routes/sessions/sessions.index";
import { userRoutes } from "./routes/users/users.index";
import { webhookRoutes } from "./routes/webhooks/webhooks.index";
import { wsRoutes } from "./routes/ws";

/** Every resource's routes, mounted at the root in this order. */
const RESOURCES = [
  authRoutes,
  sessionRoutes,
  peopleRoutes,
  userRoutes,
  roomRoutes,
  memberRoutes,
  directRoutes,
  messageRoutes,
  searchRoutes,
  mentionRoutes,
  adminRoutes,
  metricsRoutes,
  fileRoutes,
  moderationRoutes,
  wsRoutes,
  // Issue 21: reaching people who are away, and programs.
  pushRoutes,
  webhookRoutes,
  botRoutes,
];

/** Assembles the app: middleware, the error handler, every resource's routes, the API description. */
export function createApp() {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.onError((err, c) => {
    const e = toAppError(err);
    if (e.retryAfterMs !== undefined) c.header("retry-after", String(Math.ceil(e.retryAfterMs / 1000)));
    return c.json(e.toJSON(), e.status);
  });
  app.notFound((c) => c.json({ error: { code: "route_not_found", message: "No such route" } }, 404));

  app.use("*", securityHeaders);
  app.use("*", apiCors);
  app.get("/health", health);

  const limitBody = bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => {
      throw payloadTooLarge();
    },
  });
  // Uploads stream to R2 under their own limit (FILES_MAX_BYTES, files/receive.ts).
  app.use("*", (c, next) =>
    c.req.method === "POST" && c.req.path === UPLOAD_PATH ? next() : limitBody(c, next),
  );
  app.use("*", database);

  for (const routes of RESOURCES) app.route("/", routes);

  describeInboxDoor(app);
  describeApi(app);
  app.get("/docs", docsPage);
  return app;
}
