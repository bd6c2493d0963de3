import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { databaseUnavailable, errorText } from "./db/errors";

/**
 * A refusal as it crosses a boundary that keeps only plain data: the room object's RPC (the
 * runtime drops an Error's own properties) and the socket's `error` frame.
 */
export type Refusal = {
  code: string;
  status: ContentfulStatusCode;
  message: string;
  details?: unknown;
  /** For 429: when to try again. Becomes `Retry-After` over HTTP, `retry_after_ms` in a frame. */
  retryAfterMs?: number;
};

/**
 * The one error type of the service. Thrown from anywhere; `toAppError` maps anything else to
 * it, `app.ts` turns it into the JSON body `{ error: { code, message, details? } }` and the room
 * object into an `error` frame. `code` is stable and meant for programs; `message` for people.
 */
export class AppError extends Error {
  readonly code: string;
  readonly status: ContentfulStatusCode;
  readonly details?: unknown;
  readonly retryAfterMs?: number;

  constructor(code: string, status: ContentfulStatusCode, message: string, details?: unknown) {
    super(message);
    this.name = "AppError";
    this.code = code;
    this.status = status;
    if (details !== undefined) this.details = details;
  }

  static from(r: Refusal): AppError {
    const err = new AppError(r.code, r.status, r.message, r.details);
    return r.retryAfterMs === undefined ? err : Object.assign(err, { retryAfterMs: r.retryAfterMs });
  }

  toRefusal(): Refusal {
    return {
      code: this.code,
      status: this.status,
      message: this.message,
      ...(this.details !== undefined && { details: this.details }),
      ...(this.retryAfterMs !== undefined && { retryAfterMs: this.retryAfterMs }),
    };
  }

  toJSON() {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details === undefined ? {} : { details: this.details }),
      },
    };
  }
}

export const unauthorized = (message = "Missing or invalid credentials") =>
  new AppError("unauthorized", 401, message);

export const forbidden = (message = "You are not allowed to do this") =>
  new AppError("forbidden", 403, message);

export const notFound = (what: string) => new AppError("not_found", 404, `${what} not found`);

export const rateLimited = (message: string, retryAfterMs: number) =>
  Object.assign(new AppError("rate_limited", 429, message), { retryAfterMs });

export const MAX_BODY_BYTES = 64 * 1024;
export const payloadTooLarge = () =>
  new AppError("payload_too_large", 413, `Body exceeds ${MAX_BODY_BYTES} bytes`);

/** Maps anything thrown to the one error type. Unexpected errors are logged and answered generically. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof HTTPException) {
    const status = err.status as ContentfulStatusCode;
    if (status === 413) return payloadTooLarge();
    if (status === 400 && /json/i.test(err.message)) return new AppError("malformed_json", 400, err.message);
    return new AppError(status < 500 ? "bad_request" : "internal_error", status, err.message);
  }
  if (databaseUnavailable(err)) {
    console.error("database unavailable:", errorText(err));
    return new AppError("database_unavailable", 503, "The database is unavailable; try again shortly");
  }
  console.error("unhandled error", err);
  return new AppError("internal_error", 500, "Internal server error");
}
