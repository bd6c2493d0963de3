export {
  type Login,
  type Message,
  type Room,
  RoomcastApi,
  RoomcastError,
  type RoomSummary,
  type User,
} from "./api";
export { type CloseReason, closeReason } from "./close";
export type { Attachment, Upload, UploadOptions, UploadProgress } from "./files";
export type * from "./frames";
export { isTimelineEvent } from "./frames";
export {
  type Conversation,
  Inbox,
  type InboxEvent,
  type InboxEvents,
  type InboxOptions,
  type InboxReady,
  type RoomHead,
} from "./inbox";
export { DEFAULT_SEND_WINDOW, MAX_SEND_WINDOW } from "./outbox";
export { RoomSocket, type RoomSocketEvents, type RoomSocketOptions, SUBPROTOCOL } from "./room-socket";
export { Session, type SessionOptions, type StoredSession, type TokenPair } from "./session";
