import { z } from "zod";
import { type MessageEvent, MessageEventSchema, RoleSchema } from "./frames";
import { ROOM_KINDS } from "./kinds";

/**
 * The REST shapes the typed client reads (users, rooms, the room list, a login), as zod schemas:
 * the routes register them in the API document (routes/schemas.ts adds their OpenAPI names) and
 * the client derives its types from them, so neither can drift from the other.
 */

const Timestamp = z.string().meta({ format: "date-time" });

export const UserOutSchema = z.object({
  id: z.number().int(),
  username: z.string(),
  email: z.string(),
  full_name: z.string().nullable(),
  is_admin: z.boolean(),
  is_active: z.boolean(),
  created_at: Timestamp,
});
export type User = z.infer<typeof UserOutSchema>;

export const AccessTokenOutSchema = z.object({
  access_token: z.string(),
  token_type: z.literal("bearer"),
  expires_in: z.number().int().meta({ description: "Seconds until the access token expires" }),
});

/** A login's or refresh's answer: the access token and the session's refresh token (README, Sessions). */
export const TokenOutSchema = AccessTokenOutSchema.extend({
  refresh_token: z
    .string()
    .meta({ description: "Opaque; `POST /auth/refresh` swaps it for a new pair (each is single-use)" }),
  refresh_expires_in: z
    .number()
    .int()
    .meta({ description: "Seconds the session lasts unused (each refresh starts it again)" }),
  session_id: z.string().meta({ description: "This device's session (`GET /auth/sessions`)" }),
});

export const RoomKindSchema = z.enum(ROOM_KINDS);

export const RoomOutSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  description: z.string().nullable(),
  kind: RoomKindSchema,
  owner_id: z.number().int().nullable().meta({ description: "Null once the owner's account was deleted" }),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type Room = z.infer<typeof RoomOutSchema>;

/** What `GET /room/rooms` adds to each room (its `last_message` is the REST message shape). */
export const RoomSummaryFields = {
  my_role: RoleSchema.nullable().meta({ description: "Null for a global admin who is not a member" }),
  unread_count: z.number().int().meta({ description: "Messages from others after your read marker" }),
  mention_count: z
    .number()
    .int()
    .meta({ description: "Of those, the ones that mention you (derived the same way: never drifts)" }),
};

/** A message as REST returns it: the timeline's `message` event without the frame `type`. */
export const MessageOutSchema = MessageEventSchema.omit({ type: true });
export type Message = z.infer<typeof MessageOutSchema>;
/** The REST shape of a timeline message event: the same fields, without the frame `type`. */
export const toMessageOut = ({ type: _type, ...m }: MessageEvent): Message => m;

export const RoomSummaryOutSchema = RoomOutSchema.extend({
  my_role: RoomSummaryFields.my_role,
  last_message: MessageOutSchema.nullable(),
  unread_count: RoomSummaryFields.unread_count,
  mention_count: RoomSummaryFields.mention_count,
});
export type RoomSummary = z.infer<typeof RoomSummaryOutSchema>;

export const LoginOutSchema = TokenOutSchema.extend({ user: UserOutSchema });
export type Login = z.infer<typeof LoginOutSchema>;
