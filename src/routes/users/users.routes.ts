import { createRoute, z } from "@hono/zod-openapi";
import { requireGlobalAdmin, requireUser } from "../../auth/middleware";
import {
  AccessTokenSchema,
  bearer,
  Email,
  errorResponses,
  FullName,
  IdParam,
  jsonBody,
  jsonResponse,
  Page,
  Password,
  publicAccess,
  signedIn,
  Username,
  UserSchema,
} from "../schemas";

export const signup = createRoute({
  method: "post",
  operationId: "signup",
  path: "/user/signup",
  security: publicAccess,
  tags: ["users"],
  summary: "Register a new user",
  request: {
    body: jsonBody(
      z
        .object({ username: Username, email: Email, password: Password, full_name: FullName.optional() })
        .openapi("SignupRequest"),
    ),
  },
  responses: {
    201: jsonResponse(UserSchema, "Created"),
    ...errorResponses(400, [409, "username_taken", "email_taken"], 413, 422, [429, "too_many_signups"]),
  },
});

export const list = createRoute({
  method: "get",
  operationId: "listUsers",
  path: "/user/users",
  tags: ["users"],
  summary: "List users (global admin only)",
  security: bearer,
  middleware: [requireUser, requireGlobalAdmin] as const,
  request: {
    query: z.object(Page),
  },
  responses: { 200: jsonResponse(z.array(UserSchema), "Users by id"), ...errorResponses(401, 403, 422) },
});

export const update = createRoute({
  ...signedIn("users"),
  method: "put",
  operationId: "updateUser",
  path: "/user/update/{user_id}",
  summary: "Update a user (self, or a global admin for anyone)",
  request: {
    params: z.object({ user_id: IdParam("user_id") }),
    body: jsonBody(
      z
        .object({
          username: Username.optional(),
          email: Email.optional(),
          full_name: FullName.nullable().optional(),
          is_admin: z.boolean().optional(),
          is_active: z.boolean().optional(),
        })
        .strict()
        .openapi("UserUpdate"),
    ),
  },
  responses: {
    200: jsonResponse(UserSchema, "Updated"),
    ...errorResponses(400, 401, 403, 404, [409, "username_taken", "email_taken"], 422),
  },
});

export const updatePassword = createRoute({
  ...signedIn("users"),
  method: "post",
  operationId: "updatePassword",
  path: "/user/update_password",
  summary: "Change my password: every other session ends, every access token issued before stops working",
  description:
    "This session continues: its refresh token still works and a fresh access token is returned. " +
    "Every other session is revoked, and the user's sockets close (4401).",
  request: {
    body: jsonBody(
      z
        .object({ current_password: z.string().min(1).max(256), new_password: Password })
        .openapi("PasswordChange"),
    ),
  },
  responses: {
    200: jsonResponse(
      AccessTokenSchema.extend({ message: z.string() }),
      "Changed; a fresh access token for this session",
    ),
    ...errorResponses([400, "malformed_json", "wrong_password"], 401, 422, [429, "too_many_attempts"]),
  },
});

export const remove = createRoute({
  ...signedIn("users"),
  method: "delete",
  operationId: "deleteUser",
  path: "/user/{user_id}",
  summary:
    "Delete an account (self, or a global admin for anyone); its messages stay, authored by a deleted user",
  request: { params: z.object({ user_id: IdParam("user_id") }) },
  responses: {
    204: { description: "Deleted; the user's sockets are closed (4403)" },
    ...errorResponses(401, 403, 404, 422),
  },
});
