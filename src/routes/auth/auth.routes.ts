import { createRoute, z } from "@hono/zod-openapi";
import { errorResponses, jsonBody, jsonResponse, publicAccess, TokenSchema, UserSchema } from "../schemas";
import { oauthErrorResponses, oauthErrors } from "./oauth-errors";

const Credentials = z.object({
  username: z.string().min(1).max(254),
  password: z.string().min(1).max(256),
});
/** Refresh tokens are `<user id>.<uuid>.<43 chars>`; the bound only keeps junk short. */
const RefreshToken = z.string().min(1).max(200);

export const login = createRoute({
  method: "post",
  operationId: "login",
  path: "/auth/login",
  security: publicAccess,
  tags: ["auth"],
  summary: "Log in with JSON credentials; opens a session: a token pair and the user",
  request: { body: jsonBody(Credentials.openapi("LoginRequest")) },
  responses: {
    200: jsonResponse(TokenSchema.extend({ user: UserSchema }).openapi("LoginResponse"), "Logged in"),
    ...errorResponses(400, 401, 422, [429, "too_many_attempts"]),
  },
});

export const refresh = createRoute({
  method: "post",
  operationId: "refreshToken",
  path: "/auth/refresh",
  security: publicAccess,
  tags: ["auth"],
  summary: "Swap a refresh token for a new pair (rotation); the old one is retired",
  description:
    "Each refresh token works once. Presented again within `REFRESH_GRACE_SECONDS` of its use " +
    "(two tabs refreshing at once), it answers the same new pair; later, it is treated as stolen " +
    "(RFC 9700 §4.14): the whole session is revoked and its sockets close (4401).",
  request: { body: jsonBody(z.object({ refresh_token: RefreshToken }).openapi("RefreshRequest")) },
  responses: {
    200: jsonResponse(TokenSchema, "A new pair"),
    ...errorResponses(400, [401, "invalid_grant"], 422),
  },
});

export const token = createRoute({
  method: "post",
  operationId: "issueToken",
  path: "/auth/token",
  security: publicAccess,
  tags: ["auth"],
  summary: "OAuth 2.0 token endpoint (form-encoded): the password grant and the refresh_token grant",
  description:
    "RFC 6749 §4.3 (`grant_type=password`, the default, as FastAPI's OAuth2PasswordRequestForm) and " +
    "§6 (`grant_type=refresh_token`, rotating as `/auth/refresh` does). Refusals use RFC 6749 §5.2's " +
    "shape, `{error, error_description}`, not the service's `{error: {code}}`.",
  middleware: [oauthErrors] as const,
  request: {
    body: {
      required: true,
      content: {
        "application/x-www-form-urlencoded": {
          schema: z
            .object({
              grant_type: z.enum(["password", "refresh_token"]).optional(),
              username: Credentials.shape.username.optional(),
              password: Credentials.shape.password.optional(),
              refresh_token: RefreshToken.optional(),
              scope: z.string().optional(),
              client_id: z.string().optional(),
              client_secret: z.string().optional(),
            })
            .openapi("TokenRequest"),
        },
      },
    },
  },
  responses: {
    200: jsonResponse(TokenSchema, "Token issued"),
    ...oauthErrorResponses([
      [400, "invalid_request", "invalid_grant", "unsupported_grant_type"],
      [429, "too_many_attempts"],
    ]),
  },
});
