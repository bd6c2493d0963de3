import { z } from "@hono/zod-openapi";
import { requireReader, requireUser } from "../auth/middleware";
import type { RoomRow, UserRow } from "../db/schema";
import {
  AccessTokenOutSchema,
  type MessageEvent,
  MessageOutSchema,
  ReactionTotalSchema,
  RoomKindSchema,
  RoomOutSchema,
  RoomSummaryFields,
  TokenOutSchema,
  toMessageOut,
  USERNAME_CHARS,
  USERNAME_MAX,
  USERNAME_MIN,
  UserOutSchema,
} from "../protocol";

/** Shapes shared by several resources. Each response type is inferred from these. */

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ description: "Stable, for programs; each response lists its codes" }),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .openapi("Error");

/**
 * An integer written in a path or query string: plain decimal digits only. `Number()` would also
 * take "0x10", " 1" or "1e1", so that /room/0x10 would be room 16; such ids are refused.
 */
export const DecimalInt = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,16}$/, "Must be a decimal integer")
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

export const IdParam = (name: string) =>
  DecimalInt(1, 2_147_483_647).openapi({ param: { name, in: "path" }, type: "integer", example: 1 });

export const Username = z
  .string()
  .trim()
  .min(USERNAME_MIN)
  .max(USERNAME_MAX)
  .regex(new RegExp(`^[${USERNAME_CHARS}]+$`), "Only letters, digits, '_', '.' and '-'")
  .openapi({ example: "alice" });
export const Email = z
  .email()
  .max(254)
  .transform((s) => s.toLowerCase());
export const Password = z.string().min(8).max(256);
export const FullName = z.string().trim().min(1).max(100);

// The shapes the typed client shares are src/protocol/rest.ts's; here they get their names in the
// API document. Cloned first: schemas made before @hono/zod-openapi loaded lack `.openapi`.
export const UserSchema = UserOutSchema.clone().openapi("User");
export const AccessTokenSchema = AccessTokenOutSchema.clone().openapi("AccessToken");
export const TokenSchema = TokenOutSchema.clone().openapi("Token");
export const RoomKind = RoomKindSchema;
export const RoomSchema = RoomOutSchema.clone().openapi("Room");

/** The REST shape of a message: the timeline's `message` event without the frame `type`. */
export const MessageSchema = MessageOutSchema.clone().openapi("Message");

export const ReactionOutcomeSchema = z
  .object({
    message_id: z.string(),
    key: z.string(),
    reacted: z.boolean().openapi({ description: "Whether you now have this reaction" }),
    changed: z.boolean().openapi({ description: "False when it already was so: nothing was sequenced" }),
    seq: z
      .number()
      .int()
      .nullable()
      .openapi({ description: "The reaction event's seq; null when unchanged" }),
    reactions: z.array(ReactionTotalSchema),
  })
  .openapi("ReactionOutcome");

export const RoomSummarySchema = RoomSchema.extend({
  my_role: RoomSummaryFields.my_role,
  last_message: MessageSchema.nullable(),
  unread_count: RoomSummaryFields.unread_count,
  mention_count: RoomSummaryFields.mention_count,
}).openapi("RoomSummary");

export { MemberSchema } from "../domain/members";

export const Page = {
  limit: DecimalInt(1, 100).default(50).openapi({ type: "integer" }),
  offset: DecimalInt(0, 1_000_000).default(0).openapi({ type: "integer" }),
};

export type UserOut = z.infer<typeof UserSchema>;
export type RoomOut = z.infer<typeof RoomSchema>;
export type MessageOut = z.infer<typeof MessageSchema>;

export const toUserOut = (u: UserRow): UserOut => ({
  id: u.id,
  username: u.username,
  email: u.email,
  full_name: u.fullName,
  is_admin: u.isAdmin,
  is_active: u.isActive,
  created_at: u.createdAt.toISOString(),
});

export const toRoomOut = (r: RoomRow): RoomOut => ({
  id: r.id,
  name: r.name,
  description: r.description,
  kind: r.kind,
  owner_id: r.ownerId,
  created_at: r.createdAt.toISOString(),
  updated_at: r.updatedAt.toISOString(),
});

export { toMessageOut };

/** A room in a listing, with its last message and the caller's unread count. */
export const toSummaryOut = (
  room: RoomRow,
  s: { last_message: MessageEvent | null; unread_count: number; mention_count: number },
) => ({
  ...toRoomOut(room),
  last_message: s.last_message && toMessageOut(s.last_message),
  unread_count: s.unread_count,
  mention_count: s.mention_count,
});

type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 411 | 413 | 415 | 416 | 422 | 429 | 503;

/**
 * Standard error responses for OpenAPI, keyed by status, each with an example carrying a code it
 * really answers. A status alone uses its usual code; `[status, ...codes]` names the route's own.
 *
 * @example errorResponses(401, 404, [409, "username_taken", "email_taken"])
 */
export const errorResponses = (...statuses: Array<ErrorStatus | [ErrorStatus, ...string[]]>) =>
  Object.fromEntries(
    statuses.map((entry) => {
      const [status, ...named] = Array.isArray(entry) ? entry : [entry];
      const codes = named.length > 0 ? named : DEFAULT_ERROR_CODES[status];
      const examples = Object.fromEntries(
        codes.map((code) => [code, { value: { error: { code, message: ERROR_DESCRIPTIONS[status] } } }]),
      );
      return [
        status,
        {
          description: `${ERROR_DESCRIPTIONS[status]} (${codes.map((c) => `\`${c}\``).join(", ")})`,
          content: { "application/json": { schema: ErrorSchema, examples } },
        },
      ];
    }),
  );

const ERROR_DESCRIPTIONS = {
  400: "Malformed request",
  401: "Missing, invalid or expired token",
  403: "Not allowed",
  404: "Not found",
  409: "Conflict",
  411: "Length required",
  413: "Body too large",
  415: "Unsupported media type",
  416: "Range not satisfiable",
  422: "Validation failed",
  429: "Too many requests",
  503: "Service unavailable",
} as const;

const DEFAULT_ERROR_CODES: Record<ErrorStatus, string[]> = {
  400: ["malformed_json"],
  401: ["unauthorized"],
  403: ["forbidden"],
  404: ["not_found"],
  409: ["conflict"],
  411: ["length_required"],
  413: ["payload_too_large"],
  // The one 415: uploads are the raw bytes, not a form.
  415: ["multipart_not_supported"],
  416: ["range_not_satisfiable"],
  // Every request body and query is checked for shape and for text PostgreSQL can hold.
  422: ["validation_error", "invalid_text"],
  429: ["rate_limited"],
  503: ["database_unavailable"],
};

export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { "application/json": { schema } },
});

export const jsonResponse = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

export const bearer: Array<Record<string, string[]>> = [{ bearerAuth: [] }, { oauth2: [] }];

/** No token needed (signing up and in): said explicitly, so no reader or linter has to guess. */
export const publicAccess: Array<Record<string, string[]>> = [];

/** A route for a signed-in user: bearer (or OAuth2 password) security, `requireUser` before the handler. */
export const signedIn = (tag: string) => ({
  tags: [tag],
  security: bearer,
  middleware: [requireUser],
});

/** The same for a route that only reads: its room is asked alongside the account check (`requireReader`). */
export const signedInReader = (tag: string) => ({ ...signedIn(tag), middleware: [requireReader] });
