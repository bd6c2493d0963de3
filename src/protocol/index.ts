/**
 * The wire protocol shared by the worker, the room, the typed client and the tests: every frame
 * as a zod schema (a room's and the inbox's), the close codes, and how a socket is opened. Nothing here imports server code.
 */
export * from "./close-codes";
export * from "./frames";
export * from "./handshake";
export * from "./inbox";
export * from "./kinds";
export * from "./rest";
