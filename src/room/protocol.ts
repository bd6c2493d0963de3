import { z } from "zod";

/**
 * The WebSocket protocol, version 1 (docs/protocol.md): every frame in both directions as a zod
 * schema, the one source of the TypeScript types here, the REST message shape (routes/schemas.ts)
 * and the typed client. Bump PROTOCOL_VERSION on any incompatible change; additions are compatible.
 */
export const PROTOCOL_VERSION = 1;
export const SUBPROTOCOL = "roomcast.v1";
/** Answered by the runtime without waking the room (`setWebSocketAutoResponse`). */
export const PING_FRAME = '{"type":"ping"}';
export const PONG_FRAME = '{"type":"pong"}';

export { CloseCode, refusalCloseCode } from "./close-codes";

export const RoleSchema = z.enum(["owner", "admin", "member"]);
export type RoomRole = z.infer<typeof RoleSchema>;

export const UserRefSchema = z.object({ id: z.number().int(), username: z.string() });
export type UserRef = z.infer<typeof UserRefSchema>;

export const ClientId = z.string().min(1).max(64);
const MessageId = z.string().min(1).max(64);
const Seq = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const Timestamp = z.string().meta({ format: "date-time" });

// ── client → server ─────────────────────────────────────────────────────────

export const ClientFrame = z.discriminatedUnion("type", [
  z.object({ type: z.literal("message.send"), content: z.string(), client_id: ClientId.optional() }),
  z.object({ type: z.literal("message.edit"), message_id: MessageId, content: z.string() }),
  z.object({ type: z.literal("message.delete"), message_id: MessageId }),
  z.object({ type: z.literal("read"), seq: Seq }),
  z.object({ type: z.literal("typing") }),
  z.object({ type: z.literal("ping") }),
]);
export type ClientFrame = z.infer<typeof ClientFrame>;
export type ClientFrameOf<T extends ClientFrame["type"]> = Extract<ClientFrame, { type: T }>;

// ── the timeline's events (live, replayed, and over REST) ──────────────────

/** What every timeline event carries: its room, its place in the timeline, who caused it. */
const EventBase = z.object({
  room_id: z.number().int(),
  seq: z.number().int().meta({ description: "Position in the room's timeline: 1, 2, 3 …" }),
  id: z.string().meta({ description: "ULID" }),
  user_id: z.number().int().nullable().meta({ description: "Null once the author's account was deleted" }),
  username: z.string().nullable().meta({ description: "Null once the author's account was deleted" }),
});

export const MessageEventSchema = EventBase.extend({
  type: z.literal("message"),
  content: z.string().nullable().meta({ description: "Current text; null once deleted" }),
  client_id: z.string().nullable(),
  created_at: Timestamp,
  edited_at: Timestamp.nullable(),
  deleted: z.boolean(),
});
export type MessageEvent = z.infer<typeof MessageEventSchema>;

/** An edit: its own `seq`; `content` is the message's current text (null if since deleted). */
export const EditEventSchema = EventBase.extend({
  type: z.literal("message.edited"),
  message_id: z.string(),
  content: z.string().nullable(),
  edited_at: Timestamp,
});
export type EditEvent = z.infer<typeof EditEventSchema>;

/** A delete: its own `seq`; `user_id` is who deleted. */
export const DeleteEventSchema = EventBase.extend({
  type: z.literal("message.deleted"),
  message_id: z.string(),
  deleted_at: Timestamp,
});
export type DeleteEvent = z.infer<typeof DeleteEventSchema>;

export const TimelineEventSchema = z.discriminatedUnion("type", [
  MessageEventSchema,
  EditEventSchema,
  DeleteEventSchema,
]);
export type TimelineEvent = z.infer<typeof TimelineEventSchema>;

// ── server → client ─────────────────────────────────────────────────────────

export const ServerFrameSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("ready"),
    protocol: z.number().int(),
    room_id: z.number().int(),
    user: UserRefSchema,
    epoch: z.string(),
    last_seq: z.number().int(),
    online: z.array(UserRefSchema),
    /** null: no resume asked; true: every event after `since` follows; false: refetch history. */
    recovered: z.boolean().nullable(),
    replay_count: z.number().int(),
  }),
  ...TimelineEventSchema.options,
  z.object({
    type: z.literal("ack"),
    client_id: z.string().nullable(),
    id: z.string(),
    seq: z.number().int(),
    duplicate: z.boolean(),
  }),
  z.object({
    type: z.literal("presence"),
    event: z.enum(["join", "leave"]),
    user: UserRefSchema,
    online: z.array(UserRefSchema),
  }),
  z.object({ type: z.literal("typing"), user: UserRefSchema }),
  z.object({ type: z.literal("read"), seq: z.number().int() }),
  z.object({
    type: z.literal("error"),
    code: z.string(),
    message: z.string(),
    client_id: z.string().nullable().optional(),
    retry_after_ms: z.number().int().optional(),
  }),
  z.object({ type: z.literal("pong") }),
]);
export type ServerFrame = z.infer<typeof ServerFrameSchema>;
