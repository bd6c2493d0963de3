import type { Scope } from "../context";
import { notifyUser } from "../inbox/notify";

/**
 * Sessions ended: the user's channel tells every device (`account` / `session_revoked`), and the
 * sockets opened with those sessions' tokens close. Rooms' side: see `closeRoomSockets` (lands
 * with the room reshape, issue 17).
 */
export async function closeSessionSockets(s: Scope, userId: number, sessionIds: string[]) {
  if (sessionIds.length === 0) return;
  await Promise.all(
    sessionIds.map((session_id) =>
      notifyUser(s.env, userId, { type: "account", event: "session_revoked", detail: { session_id } }),
    ),
  );
}
