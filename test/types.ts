import type { z } from "@hono/zod-openapi";
import type * as admin from "../src/routes/admin/admin.routes";
import type * as auth from "../src/routes/auth/auth.routes";
import type * as direct from "../src/routes/direct/direct.routes";
import type * as mentions from "../src/routes/mentions/mentions.routes";
import type * as people from "../src/routes/people/people.routes";
import type * as rooms from "../src/routes/rooms/rooms.routes";
import type {
  ErrorSchema,
  MemberSchema,
  MessageSchema,
  ReactionOutcomeSchema,
  RoomSchema,
  RoomSummarySchema,
  TokenSchema,
  UserSchema,
} from "../src/routes/schemas";
import type * as search from "../src/routes/search/search.routes";
import type * as sessions from "../src/routes/sessions/sessions.routes";
import type * as users from "../src/routes/users/users.routes";

/**
 * The REST bodies the tests read, inferred from the app's own zod schemas (src/routes/schemas.ts)
 * and route definitions, so that a change to a response breaks the tests that read it at compile
 * time. Pass one to `api<T>()`; a call whose body a test does not read stays `unknown`.
 */

/**
 * The JSON body a route declares for a status, by default its success (200 or 201). Refusals are
 * `ErrorBody` (the routes spread them in from `errorResponses()`, whose statuses the type loses).
 */
export type Reply<R extends { responses: object }, S extends PropertyKey = 200 | 201> = {
  [K in keyof R["responses"]]: K extends S
    ? R["responses"][K] extends { content: { "application/json": { schema: infer T extends z.ZodType } } }
      ? z.output<T>
      : never
    : never;
}[keyof R["responses"]];

/** Every refusal: `{ error: { code, message, details? } }`. */
export type ErrorBody = z.output<typeof ErrorSchema>;
/**
 * A 422 `validation_error` or `invalid_text`, whose `details` list the fields at fault. The error
 * schema leaves `details` open (unknown): this is the tests' reading of it.
 */
export type ValidationErrorBody = ErrorBody & {
  error: { details: Array<{ in?: string; path: string; message: string }> };
};

export type User = z.output<typeof UserSchema>;
export type Token = z.output<typeof TokenSchema>;
export type Login = Reply<typeof auth.login>;
export type Session = Reply<typeof sessions.list>[number];
export type PublicUser = Reply<typeof people.search>[number];
export type Block = Reply<typeof people.blocks>[number];
/** RFC 6749 §5.2: what `/auth/token` answers when it refuses. */
export type OAuthErrorBody = { error: string; error_description: string };
export type PasswordChanged = Reply<typeof users.updatePassword>;

export type Room = z.output<typeof RoomSchema>;
export type RoomSummary = z.output<typeof RoomSummarySchema>;
export type ReadMarker = Reply<typeof rooms.markRead>;
export type Member = z.output<typeof MemberSchema>;
export type DirectSummary = Reply<typeof direct.list>[number];

/** A message as REST returns it: the timeline's `message` event without `type`. */
export type Message = z.output<typeof MessageSchema>;
export type ReactionOutcome = z.output<typeof ReactionOutcomeSchema>;
export type SearchPage = Reply<typeof search.search>;
export type MentionsPage = Reply<typeof mentions.list>;
export type OutboxReport = Reply<typeof admin.outbox>;
