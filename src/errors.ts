import type { ContentfulStatusCode } from "hono/utils/http-status";

/**
 * The one error type of the service. Thrown from anywhere; `app.ts` turns it into the JSON
 * body `{ error: { code, message, details? } }` and the room object into an `error` frame.
 * `code` is stable and meant for programs; `message` is for people.
 */
export class AppError extends Error {
  constructor(
    readonly code: string,
    readonly status: ContentfulStatusCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "AppError";
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
