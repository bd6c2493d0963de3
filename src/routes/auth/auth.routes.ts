import { createRoute, z } from "@hono/zod-openapi";
import { errorResponses, jsonBody, jsonResponse, publicAccess, TokenSchema, UserSchema } from "../schemas";

const Credentials = z.object({
  username: z.string().min(1).max(254),
  password: z.string().min(1).max(256),
});

export const login = createRoute({
  method: "post",
  operationId: "login",
  path: "/auth/login",
  security: publicAccess,
  tags: ["auth"],
  summary: "Log in with JSON credentials; returns a token and the user",
  request: { body: jsonBody(Credentials.openapi("LoginRequest")) },
  responses: {
    200: jsonResponse(TokenSchema.extend({ user: UserSchema }).openapi("LoginResponse"), "Logged in"),
    ...errorResponses(400, 401, 422, [429, "too_many_attempts"]),
  },
});

export const token = createRoute({
  method: "post",
  operationId: "issueToken",
  path: "/auth/token",
  security: publicAccess,
  tags: ["auth"],
  summary: "OAuth2 password grant (form-encoded), as FastAPI's OAuth2PasswordRequestForm",
  request: {
    body: {
      required: true,
      content: {
        "application/x-www-form-urlencoded": {
          schema: Credentials.extend({
            grant_type: z.literal("password").optional(),
            scope: z.string().optional(),
            client_id: z.string().optional(),
            client_secret: z.string().optional(),
          }).openapi("TokenRequest"),
        },
      },
    },
  },
  responses: {
    200: jsonResponse(TokenSchema, "Token issued"),
    ...errorResponses(400, 401, 422, [429, "too_many_attempts"]),
  },
});
