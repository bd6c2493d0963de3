import { z } from "zod";
import { ID_MAX_CHARS, ROOM_ROLES, SEQ_MAX, type TIMELINE_EVENT_TYPES } from "./kinds";

/**
 * The WebSocket protocol, version 1 (docs/protocol.md): every frame in both directions as a zod
 * schema, the one source of the TypeScript types here, the REST message shape (routes/schemas.ts)
 * and the typed client. Bump PROTOCOL_VERSION (handshake.ts) on any incompatible change; additions
 * are compatible.
 */

export const RoleSchema = z.enum(ROOM_ROLES);
export type RoomRole = z.infer<typeof RoleSchema>;

export const UserRefSchema = z.object({ id: z.number().int(), username: z.string() });
export type UserRef = z.infer<typeof UserRefSchema>;

/** A flow-control marker's token: random, so that only a client that read the marker can echo it. */
export const SyncToken = z.string().min(1).max(16);
export const ClientId = z.string().min(1).max(ID_MAX_CHARS);
export const MessageId = z.string().min(1).max(ID_MAX_CHARS);
const Seq = z.number().int().min(0).max(SEQ_MAX);
const Timestamp = z.string().meta({ format: "date-time" });

/** Files one message may carry. */
export const MAX_ATTACHMENTS = 10;
/** An upload's id (a ULID), as `POST /files` answered it. */
export const FILE_ID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
export const FileId = z.string().regex(FILE_ID, "Must be a file id");

/** A file a message carries (REST, frames, history, replays, search); download: GET /files/{id}. */
export const AttachmentSchema = z.object({
  id: z.string(),
  name: z.string(),
  type: z.string().meta({ description: "Sniffed from the bytes when uploaded" }),
  size: z.number().int().meta({ description: "Bytes" }),
  width: z.number().int().nullable().meta({ description: "Pictures only" }),
  height: z.number().int().nullable().meta({ description: "Pictures only" }),
});
export type Attachment = z.infer<typeof AttachmentSchema>;

/** `POST /files` answers an upload: an attachment to be, deleted at `expires_at` unless attached. */
export const UploadSchema = AttachmentSchema.extend({
  created_at: Timestamp,
  expires_at: Timestamp.nullable().meta({ description: "Deleted then unless attached; null once attached" }),
});
export type Upload = z.infer<typeof UploadSchema>;

/** Upload ids a send attaches: each once, each the sender's own unattached upload. */
export const AttachmentIds = z.array(FileId).max(MAX_ATTACHMENTS);

// ── client → server ─────────────────────────────────────────────────────────

/** A reaction: one emoji (a single grapheme cluster) or a short `:name:`; checked by room/live/reactions.ts. */
export const ReactionKey = z.string().min(1).max(ID_MAX_CHARS);

export const ClientFrame = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("message.send"),
    content: z.string(),
    client_id: ClientId.optional(),
    reply_to: MessageId.optional(),
    attachments: AttachmentIds.optional(),
  }),
  z.object({ type: z.literal("message.edit"), message_id: MessageId, content: z.string() }),
  z.object({ type: z.literal("message.delete"), message_id: MessageId }),
  z.object({ type: z.literal("reaction.add"), message_id: MessageId, key: ReactionKey }),
  z.object({ type: z.literal("reaction.remove"), message_id: MessageId, key: ReactionKey }),
  z.object({ type: z.literal("read"), seq: Seq }),
  z.object({ type: z.literal("typing") }),
  z.object({ type: z.literal("ping") }),
  /** Echo of a `sync` marker: everything sent before it was read (flow control, `sync=1`). */
  z.object({ type: z.literal("sync"), token: SyncToken }),
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

/** The parent of a reply as it stood when the reply was sent; `deleted` once the parent is gone. */
export const ParentPreviewSchema = z.object({
  id: z.string(),
  user_id: z.number().int().nullable(),
  username: z.string().nullable(),
  excerpt: z.string().nullable().meta({ description: "The parent's first characters; null once deleted" }),
  deleted: z.boolean(),
  hidden: z.boolean().optional().meta({
    description:
      "true: the parent is hidden from you (by someone you blocked, or shadow-banned): no author, no text, like the message itself",
  }),
});
export type ParentPreview = z.infer<typeof ParentPreviewSchema>;

/** Totals per reaction key on a message; `me`: whether the user reading it reacted so. */
export const ReactionTotalSchema = z.object({ key: z.string(), count: z.number().int(), me: z.boolean() });
export type ReactionTotal = z.infer<typeof ReactionTotalSchema>;

export const MessageEventSchema = EventBase.extend({
  type: z.literal("message"),
  content: z.string().nullable().meta({ description: "Current text; null once deleted" }),
  client_id: z.string().nullable(),
  created_at: Timestamp,
  edited_at: Timestamp.nullable(),
  deleted: z.boolean(),
  reply_to: z.string().nullable().meta({ description: "The message this one replies to (its thread root)" }),
  parent: ParentPreviewSchema.nullable(),
  mentions: z.array(z.number().int()).meta({ description: "Ids of the users this message mentions" }),
  reply_count: z.number().int().meta({ description: "Replies to this message (thread size)" }),
  last_reply_at: Timestamp.nullable(),
  reactions: z.array(ReactionTotalSchema),
  attachments: z.array(AttachmentSchema).meta({ description: "Files it carries; none once deleted" }),
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

/**
 * A reaction added or removed: its own `seq`. `reacted` is whether the acting user now has this
 * reaction; `reactions` the message's totals after the change (`me` from the actor's side).
 */
export const ReactionEventSchema = EventBase.extend({
  type: z.literal("reaction"),
  message_id: z.string(),
  key: z.string(),
  reacted: z.boolean(),
  reactions: z.array(ReactionTotalSchema),
});
export type ReactionEvent = z.infer<typeof ReactionEventSchema>;

/** A thread root's counters after a reply (sequenced right after the reply): live and resumable. */
export const ThreadEventSchema = EventBase.extend({
  type: z.literal("thread.updated"),
  message_id: z.string().meta({ description: "The thread root" }),
  reply_id: z.string(),
  reply_count: z.number().int(),
  last_reply_at: Timestamp,
});
export type ThreadEvent = z.infer<typeof ThreadEventSchema>;

export const TimelineEventSchema = z.discriminatedUnion("type", [
  MessageEventSchema,
  EditEventSchema,
  DeleteEventSchema,
  ReactionEventSchema,
  ThreadEventSchema,
]);
export type TimelineEvent = z.infer<typeof TimelineEventSchema>;
// The schemas above and the list in kinds.ts name the same event types (checked by the compiler).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const _sameTypes: Same<TimelineEvent["type"], (typeof TIMELINE_EVENT_TYPES)[number]> = true;
void _sameTypes;

/**
 * An event this reader may not see (a shadow-banned author's, shown to that author only): a
 * placeholder at its `seq`, live and on resume, so that gap detection stays exact.
 */
export const HiddenEventSchema = z.object({
  type: z.literal("hidden"),
  room_id: z.number().int(),
  seq: z.number().int(),
});
export type HiddenEvent = z.infer<typeof HiddenEventSchema>;

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
    /** The socket asked for ordered sends (`ordered=1`) and gets them: see `error.holding`. */
    ordered: z.literal(true).optional(),
  }),
  ...TimelineEventSchema.options,
  HiddenEventSchema,
  z.object({
    type: z.literal("ack"),
    client_id: z.string().nullable(),
    id: z.string(),
    seq: z.number().int(),
    duplicate: z.boolean(),
    /** A filter masked the text: `content` is what was stored and broadcast instead. */
    modified: z.literal(true).optional(),
    content: z.string().optional(),
  }),
  /** Answers reaction.add / reaction.remove: `changed: false` when it was already so (idempotent). */
  z.object({
    type: z.literal("reaction.ack"),
    message_id: z.string(),
    key: z.string(),
    reacted: z.boolean(),
    changed: z.boolean(),
    seq: z.number().int().nullable(),
  }),
  z.object({
    type: z.literal("presence"),
    event: z.enum(["join", "leave"]),
    user: UserRefSchema,
    /** Version 1 only: everyone online after the change. Version 2 sends the change alone. */
    online: z.array(UserRefSchema).optional(),
  }),
  z.object({ type: z.literal("typing"), user: UserRefSchema }),
  z.object({ type: z.literal("read"), seq: z.number().int() }),
  z.object({
    type: z.literal("error"),
    code: z.string(),
    message: z.string(),
    client_id: z.string().nullable().optional(),
    retry_after_ms: z.number().int().optional(),
    /**
     * An ordered socket's (`ordered=1`) send was refused for now: every later send of the socket
     * is refused `held` until this `client_id` is sent again (docs/protocol.md, "Ordered sends").
     */
    holding: z.literal(true).optional(),
    /** What a refusal names: the filter (`filter_id`, `scope`), until when a mute runs (`until`)… */
    details: z.unknown().optional(),
  }),
  z.object({ type: z.literal("pong") }),
  /** Flow control (`sync=1`): echo it once everything before it was handled. */
  z.object({ type: z.literal("sync"), token: SyncToken }),
]);
export type ServerFrame = z.infer<typeof ServerFrameSchema>;
