import { z } from "zod";

/**
 * The WebSocket protocol, version 1 (docs/protocol.md). Client frames are validated here;
 * server frames are typed here. Bump PROTOCOL_VERSION on any incompatible change.
 */
export const PROTOCOL_VERSION = 1;
export const SUBPROTOCOL = "roomcast.v1";
/** Answered by the runtime without waking the room (`setWebSocketAutoResponse`). */
export const PING_FRAME = '{"type":"ping"}';
export const PONG_FRAME = '{"type":"pong"}';

/** Close codes (4xxx are ours). */
export const CloseCode = {
  /** The user lost access: removed, banned, or left the room. */
  accessRevoked: 4403,
  /** The room was deleted. */
  roomDeleted: 4404,
} as const;

export const ClientId = z.string().min(1).max(64);
const MessageId = z.string().min(1).max(64);
const Seq = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const ClientFrame = z.discriminatedUnion("type", [
  z.object({ type: z.literal("message.send"), content: z.string(), client_id: ClientId.optional() }),
  z.object({ type: z.literal("message.edit"), message_id: MessageId, content: z.string() }),
  z.object({ type: z.literal("message.delete"), message_id: MessageId }),
  z.object({ type: z.literal("read"), seq: Seq }),
  z.object({ type: z.literal("typing") }),
  z.object({ type: z.literal("ping") }),
]);
export type ClientFrame = z.infer<typeof ClientFrame>;

export type UserRef = { id: number; username: string };
export type RoomRole = "owner" | "admin" | "member";

/** What every timeline event carries: its room, its place in the timeline, who caused it. */
type EventBase = { room_id: number; seq: number; id: string; user_id: number; username: string };

/** A new message, as delivered live, on resume, and (without `type`) over REST. */
export type MessageEvent = EventBase & {
  type: "message";
  /** Current text; null once deleted. */
  content: string | null;
  client_id: string | null;
  created_at: string;
  edited_at: string | null;
  deleted: boolean;
};

/** An edit: its own `seq`; `content` is the message's current text (null if since deleted). */
export type EditEvent = EventBase & {
  type: "message.edited";
  message_id: string;
  content: string | null;
  edited_at: string;
};

/** A delete: its own `seq`; `user_id` is who deleted. */
export type DeleteEvent = EventBase & { type: "message.deleted"; message_id: string; deleted_at: string };

export type TimelineEvent = MessageEvent | EditEvent | DeleteEvent;

export type ServerFrame =
  | {
      type: "ready";
      protocol: number;
      room_id: number;
      user: UserRef;
      epoch: string;
      last_seq: number;
      online: UserRef[];
      /** null: no resume asked; true: every event after `since` follows; false: refetch history. */
      recovered: boolean | null;
      replay_count: number;
    }
  | TimelineEvent
  | { type: "ack"; client_id: string | null; id: string; seq: number; duplicate: boolean }
  | { type: "presence"; event: "join" | "leave"; user: UserRef; online: UserRef[] }
  | { type: "typing"; user: UserRef }
  | { type: "read"; seq: number }
  | { type: "error"; code: string; message: string; client_id?: string | null; retry_after_ms?: number }
  | { type: "pong" };

export const frame = (f: ServerFrame) => JSON.stringify(f);

/** Why a message's content is refused, or null when it is fine. Shared by REST and WebSocket. */
export function contentProblem(content: string, maxChars: number): { code: string; message: string } | null {
  if (content.trim().length === 0) return { code: "empty_message", message: "Message is empty" };
  if (content.length > maxChars) {
    return { code: "message_too_long", message: `Message is longer than ${maxChars} characters` };
  }
  return null;
}
