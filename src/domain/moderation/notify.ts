import type { Bindings } from "../../env";
import { type ModerationCall, type ModerationResults, roomStub, type SocketUser, unwrap } from "../../room";

/** The room's answer to one moderation call, typed by its kind (one RPC method carries them all). */
export async function callRoom<K extends ModerationCall["kind"]>(
  env: Bindings,
  roomId: number,
  who: SocketUser,
  call: Extract<ModerationCall, { kind: K }>,
): Promise<ModerationResults[K]> {
  return (await unwrap(roomStub(env, roomId).moderate(roomId, who, call))) as ModerationResults[K];
}

const SERVICE: SocketUser = { user: { id: 0, username: "" }, isAdmin: false };

/**
 * Tells a room that its rules changed in PostgreSQL (written there first): the room reads them
 * again before this resolves, so the change applies to the very next send on any socket.
 */
export const rulesChanged = (env: Bindings, roomId: number) =>
  callRoom(env, roomId, SERVICE, { kind: "rules_changed" });
