/**
 * How a socket is opened and kept alive (docs/protocol.md), in one module without imports, so that
 * the typed client (client/) can import it without carrying any server code.
 */

/** The version in `ready.protocol`; bumped on any incompatible change to the frames. */
export const PROTOCOL_VERSION = 1;

/** The WebSocket subprotocol a client offers; the worker echoes it when offered. */
export const SUBPROTOCOL = "roomcast.v1";

/**
 * Version 2 of the room channel: `presence` frames carry who joined or left, not the whole list
 * (docs/protocol.md, "Version 2"). Offered by name; a socket that does not offer it speaks v1.
 */
export const ROOM_PROTOCOL_VERSION = 2;
export const SUBPROTOCOL_V2 = "roomcast.v2";

/** Answered by the runtime without waking the room (`setWebSocketAutoResponse`). */
export const PING_FRAME = '{"type":"ping"}';
export const PONG_FRAME = '{"type":"pong"}';

/** Headers the worker sets on a forwarded upgrade after verifying the token (a client's own are stripped). */
export const CONNECT_HEADERS = {
  user: "x-roomcast-user",
  room: "x-roomcast-room",
  subprotocol: "x-roomcast-subprotocol",
  /** The connecting user's blocks (a JSON array of user ids): their events reach the socket as `hidden`. */
  blocks: "x-roomcast-blocks",
} as const;

/** Headers the worker sets on an upgrade it forwards to a user's inbox, after verifying the token. */
export const INBOX_HEADERS = {
  user: "x-roomcast-inbox-user",
  subprotocol: CONNECT_HEADERS.subprotocol,
} as const;

/** Largest batch frame, in UTF-16 units (≤ 192 KiB of UTF-8; ASCII: 64 KiB). Fixed: docs/protocol.md. */
export const BATCH_MAX_CHARS = 65_536;
