import type { Scope } from "../context";
import { closeInbox, notifyUser } from "../inbox/notify";
import { CloseCode } from "../protocol";
import { tellRooms } from "./member-rooms";

/** The reason of the 4401 close that ends a session's sockets (docs/protocol.md, close codes). */
export const SESSION_REVOKED = "session revoked";
/** The reason when a password change ended them: every socket of the user hears this one alone. */
export const PASSWORD_CHANGED = "password changed";

/**
 * Sessions ended (logout, revocation, a refresh token used twice, eviction): the sockets opened
 * with their tokens close at once with 4401 `session revoked`, in every room of the user and on
 * their inbox channel; the user's other sessions keep theirs. The channel's other devices are
 * told (`account` / `session_revoked`, with the `session_id`). `reason`: a password change says
 * so, so that a socket closed by both of its closes reads the same whichever arrived first.
 */
export async function closeSessionSockets(
  s: Scope,
  userId: number,
  sessionIds: string[],
  reason = SESSION_REVOKED,
) {
  if (sessionIds.length === 0) return;
  await Promise.all([
    tellRooms(s.db, s.env, userId, (room) =>
      room.closeUser(userId, CloseCode.unauthorized, reason, sessionIds),
    ),
    closeInbox(s.env, userId, CloseCode.unauthorized, reason, sessionIds),
    ...sessionIds.map((session_id) =>
      notifyUser(s.env, userId, { type: "account", event: "session_revoked", detail: { session_id } }),
    ),
  ]);
}
