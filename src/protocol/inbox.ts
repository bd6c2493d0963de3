import { z } from "zod";
import { ROOM_KINDS } from "./kinds";

/**
 * The per-user channel (`/ws/me`, docs/protocol.md "The inbox channel"): every frame as a zod
 * schema, the one source of the server's, the tests' and the typed client's types. Same
 * subprotocol and version as rooms; additions are compatible, as for rooms.
 */

const Id = z.number().int();
const Seq = z.number().int().min(0);
const UserRef = z.object({ id: Id, username: z.string() });

/** A room as the inbox names it: enough to show it in a conversation list. */
export const InboxRoomSchema = z.object({
  id: Id,
  name: z.string(),
  kind: z.enum(ROOM_KINDS),
});
export type InboxRoom = z.infer<typeof InboxRoomSchema>;

/** The last message of a room, as a conversation list shows it. */
export const HeadPreviewSchema = z.object({
  id: z.string(),
  seq: Seq,
  user_id: Id.nullable(),
  username: z.string().nullable(),
  excerpt: z.string().nullable().meta({ description: "The first 100 characters; null once deleted" }),
  created_at: z.string(),
});
export type HeadPreview = z.infer<typeof HeadPreviewSchema>;

/**
 * One room's state for one user, as the room computes it from its own timeline and read markers
 * (never from PostgreSQL's copy): `room_seq` is the room's last seq, `read_seq` the user's marker.
 */
export const RoomHeadSchema = z.object({
  room_id: Id,
  room_seq: Seq,
  read_seq: Seq,
  last_message: HeadPreviewSchema.nullable(),
  unread_count: z.number().int(),
  mention_count: z.number().int(),
});
export type RoomHead = z.infer<typeof RoomHeadSchema>;

/** What can be told to a user's channel (`notifyUser`): everything but the channel's own `seq`. */
export const InboxNoticeSchema = z.discriminatedUnion("type", [
  RoomHeadSchema.extend({ type: z.literal("room.head") }),
  RoomHeadSchema.extend({ type: z.literal("room.read") }),
  z.object({ type: z.literal("room.joined"), room: InboxRoomSchema }),
  z.object({ type: z.literal("room.invited"), room: InboxRoomSchema, by: UserRef }),
  z.object({ type: z.literal("dm.new"), room: InboxRoomSchema, with: UserRef }),
  z.object({ type: z.literal("room.renamed"), room: InboxRoomSchema }),
  z.object({ type: z.literal("room.left"), room_id: Id }),
  z.object({ type: z.literal("room.removed"), room_id: Id }),
  z.object({ type: z.literal("room.banned"), room_id: Id }),
  z.object({ type: z.literal("room.deleted"), room_id: Id }),
  z.object({
    type: z.literal("account"),
    event: z.string().meta({ description: "e.g. session_revoked, blocks_changed" }),
    detail: z.record(z.string(), z.unknown()).optional(),
  }),
]);
export type InboxNotice = z.infer<typeof InboxNoticeSchema>;
export type InboxNoticeOf<T extends InboxNotice["type"]> = Extract<InboxNotice, { type: T }>;

/** Notices that end the user's access to a room: the channel stops carrying it at once. */
export const GONE_TYPES = ["room.left", "room.removed", "room.banned", "room.deleted"] as const;
/** Notices that give the user a room: the channel starts carrying it. */
export const GAINED_TYPES = ["room.joined", "room.invited", "dm.new"] as const;

/** A notice as the channel delivers it: with its place in the user's own timeline. */
export const InboxEventSchema = z.intersection(InboxNoticeSchema, z.object({ seq: Seq }));
export type InboxEvent = InboxNotice & { seq: number };

export const InboxReadySchema = z.object({
  type: z.literal("ready"),
  protocol: z.number().int(),
  channel: z.literal("inbox"),
  user: UserRef,
  epoch: z.string(),
  last_seq: Seq,
  /** null: no resume asked; true: every event after `since` follows; false: refetch the lists. */
  recovered: z.boolean().nullable(),
  replay_count: z.number().int(),
});
export type InboxReady = z.infer<typeof InboxReadySchema>;

export const InboxErrorSchema = z.object({ type: z.literal("error"), code: z.string(), message: z.string() });

/** Everything the channel sends: `ready`, events, `error`, `pong`, flow-control markers (`sync=1`). */
export type InboxFrame =
  | InboxReady
  | InboxEvent
  | z.infer<typeof InboxErrorSchema>
  | { type: "pong" }
  | { type: "sync"; token: string };
