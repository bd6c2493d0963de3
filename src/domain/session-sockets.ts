import type { Scope } from "../context";

/**
 * Closes the sockets opened with the tokens of these sessions, in every room (4401). Sockets
 * learn their session at the door; the rooms' side of this lands with the room reshape
 * (issue 17), until then sockets of an ended session stay open until they reconnect.
 */
export async function closeSessionSockets(_s: Scope, _userId: number, sessionIds: string[]) {
  if (sessionIds.length === 0) return;
}
