import { z } from "@hono/zod-openapi";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../../context";
import { toAppError } from "../../errors";

/**
 * `POST /auth/token` is an OAuth 2.0 token endpoint, so it answers refusals the way OAuth
 * clients (and Swagger UI's Authorize) read them, RFC 6749 §5.2: `{"error": "<code>",
 * "error_description": "…"}` with 400. Every other route keeps the service's
 * `{error: {code, message}}`; the code strings are the same in both shapes.
 */
const OAUTH_CODE: Record<string, string> = {
  validation_error: "invalid_request",
  invalid_text: "invalid_request",
  malformed_json: "invalid_request",
  unauthorized: "invalid_grant",
};

export const OAuthErrorSchema = z
  .object({
    error: z.string().openapi({ description: "RFC 6749 §5.2 error code" }),
    error_description: z.string(),
  })
  .openapi("OAuthError");

/** The message, and for a validation failure the fields at fault (RFC 6749 has no `details`). */
function describe(message: string, details: unknown): string {
  if (!Array.isArray(details)) return message;
  const fields = details.map((d: { path?: string }) => d.path).filter(Boolean);
  return fields.length > 0 ? `${message}: ${fields.join(", ")}` : message;
}

/** Rewrites the answer of a refused request (`c.error`, set by the error handler) into RFC 6749's shape. */
export const oauthErrors = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  if (!c.error) return;
  const e = toAppError(c.error);
  if (e.status >= 500) return;
  const status = e.status === 429 ? 429 : 400;
  const grantType = JSON.stringify(e.details ?? null).includes('"path":"grant_type"');
  const code = grantType ? "unsupported_grant_type" : (OAUTH_CODE[e.code] ?? e.code);
  const headers = new Headers(c.res.headers);
  c.res = undefined;
  c.res = new Response(JSON.stringify({ error: code, error_description: describe(e.message, e.details) }), {
    status,
    headers,
  });
});

/** OpenAPI responses of the token endpoint: each status with the RFC 6749 codes it answers. */
export const oauthErrorResponses = (entries: Array<[400 | 429, ...string[]]>) =>
  Object.fromEntries(
    entries.map(([status, ...codes]) => [
      status,
      {
        description: `OAuth 2.0 error (RFC 6749 §5.2): ${codes.map((c) => `\`${c}\``).join(", ")}`,
        content: {
          "application/json": {
            schema: OAuthErrorSchema,
            examples: Object.fromEntries(
              codes.map((code) => [code, { value: { error: code, error_description: "Refused" } }]),
            ),
          },
        },
      },
    ]),
  );
