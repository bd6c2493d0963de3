import { createRoute, z } from "@hono/zod-openapi";
import { errorResponses, jsonResponse, signedIn } from "../schemas";

export const SessionSchema = z
  .object({
    id: z.string(),
    created_at: z.string().openapi({ format: "date-time" }),
    last_used_at: z.string().openapi({ format: "date-time", description: "Login or last refresh" }),
    expires_at: z.string().openapi({ format: "date-time", description: "Unless refreshed before" }),
    user_agent: z.string().nullable(),
    address: z.string().nullable(),
    current: z.boolean().openapi({ description: "The session of the token that asked" }),
  })
  .openapi("Session");

const SessionId = z
  .string()
  .regex(/^[0-9a-f-]{36}$/, "Must be a session id")
  .openapi({ param: { name: "session_id", in: "path" }, example: "6f1c2d3e-0000-4000-8000-000000000000" });

export const list = createRoute({
  ...signedIn("auth"),
  method: "get",
  operationId: "listSessions",
  path: "/auth/sessions",
  summary: "My signed-in devices, most recently used first",
  responses: {
    200: jsonResponse(z.array(SessionSchema), "Sessions that still hold"),
    ...errorResponses(401),
  },
});

export const revoke = createRoute({
  ...signedIn("auth"),
  method: "delete",
  operationId: "revokeSession",
  path: "/auth/sessions/{session_id}",
  summary: "Sign a device out: its tokens stop working and its sockets close (4401) at once",
  request: { params: z.object({ session_id: SessionId }) },
  responses: {
    204: { description: "Revoked" },
    ...errorResponses(401, 404, 422),
  },
});

export const logout = createRoute({
  ...signedIn("auth"),
  method: "post",
  operationId: "logout",
  path: "/auth/logout",
  summary: "End the current session (the one of this token)",
  responses: { 204: { description: "Signed out" }, ...errorResponses([400, "no_session"], 401) },
});
