import type { Scope } from "../context";
import { closeInbox, notifyUser } from "../inbox/notify";
import { CloseCode } from "../protocol";
import { tellRooms } from "./member-rooms";

/** The reason of the 4401 close that ends a session's sockets (docs/protocol.md, close codes). */
export const SESSION_REVOKED = "session revoked";

/**
 * Sessions ended (logout, revocation, a refresh token used twice, eviction): the sockets opened
 * with their tokens close at once with 4401 `session revoked`, in every room of the user and on
 * their inbox channel; the user's other sessions keep theirs. The channel's other devices are
 * told (`account` / `session_revoked`, with the `session_id`).
 */
export async function closeSessionSockets(s: Scope, userId: number, sessionIds: string[]) {
  if (sessionIds.length === 0) return;
  await Promise.all([
    tellRooms(s.db, s.env, userId, (room) =>
      room.closeUser(userId, CloseCode.unauthorized, SESSION_REVOKED, sessionIds),
    ),
    closeInbox(s.env, userId, CloseCode.unauthorized, SESSION_REVOKED, sessionIds),
    ...sessionIds.map((session_id) =>
      notifyUser(s.env, userId, { type: "account", event: "session_revoked", detail: { session_id } }),
    ),
  ]);
}
