import type { Context, TypedResponse } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { JSONParsed } from "hono/utils/types";
import type { JsonText } from "../json-text";

/**
 * Answers JSON text made elsewhere (the room) as it is, typed as `c.json(value)` would be, so the
 * route's declared response still checks. The OpenAPI schema documents the body; a test checks
 * that the text matches it (test/history-body.test.ts), since nothing here parses it.
 */
export const jsonText = <T, S extends ContentfulStatusCode>(c: Context, text: JsonText<T>, status: S) =>
  c.body(text, status, { "content-type": "application/json" }) as unknown as Response &
    TypedResponse<JSONParsed<T>, S, "json">;
