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
  /** The room was deleted. */
  roomDeleted: 4404,
  /** The user lost access: removed, banned, or the account was disabled. */
  accessRevoked: 4403,
  /** The client broke the protocol badly enough that the socket must go (e.g. binary frames). */
  protocolError: 4400,
  /** The server is going away (e.g. replaced); reconnect with since=. */
  goingAway: 1001,
} as const;

export const ClientId = z.string().min(1).max(64);

export const ClientFrame = z.discriminatedUnion("type", [
  z.object({ type: z.literal("message.send"), content: z.string(), client_id: ClientId.optional() }),
  z.object({ type: z.literal("ping") }),
]);
export type ClientFrame = z.infer<typeof ClientFrame>;

export type UserRef = { id: number; username: string };

/** A message as it appears on the wire (live, on resume, in acks). */
export type MessageEvent = {
  type: "message";
  room_id: number;
  seq: number;
  id: string;
  user_id: number;
  username: string;
  content: string | null;
  client_id: string | null;
  created_at: string;
  edited_at: string | null;
  deleted: boolean;
};

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
  | MessageEvent
  | { type: "ack"; client_id: string | null; id: string; seq: number; duplicate: boolean }
  | { type: "presence"; event: "join" | "leave"; user: UserRef; online: UserRef[] }
  | { type: "error"; code: string; message: string; client_id?: string | null; retry_after_ms?: number }
  | { type: "pong" };

export const frame = (f: ServerFrame) => JSON.stringify(f);

/** Why a message's content is refused, or null when it is fine. Shared by REST and WebSocket sends. */
export function contentProblem(content: string, maxChars: number): { code: string; message: string } | null {
  if (content.trim().length === 0) return { code: "empty_message", message: "Message is empty" };
  if (content.length > maxChars) {
    return { code: "message_too_long", message: `Message is longer than ${maxChars} characters` };
  }
  return null;
}
