/**
 * The room, as the rest of the worker sees it: the Durable Object class, how to reach one room's
 * object, how its RPC answers become values or the one error type again, and the types its RPC
 * methods take. Nothing outside src/room/ imports anything else from here (scripts/architecture.test.ts).
 */

export type { ReadAs, Reader } from "./access/account-copies";
export type { ModerationCall, ModerationResults } from "./moderation/calls";
export { quoteAs } from "./moderation/hidden";
export { copyReadMarkers } from "./outbox/copy-statements";
export { Room } from "./room";
export { type Reply, unwrap } from "./rpc-envelope";
export { SendWindow, SYNC_TAG } from "./socket/flow";
export { type SocketUser, writeAttachment } from "./socket/identity";
export { roomStub } from "./stub";
export type { HistoryBody } from "./timeline/history";
export type { HistoryWindow } from "./timeline/postgres-reads";
export type { ThreadWindow } from "./writes/conversation";
export type { SendRequest } from "./writes/sends";
