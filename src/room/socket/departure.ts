import type { RoomOutput } from "../output";
import type { Admission } from "./admission";
import { closedByRoom } from "./close";
import { attachmentOf, userTag } from "./identity";
import { announce, type PresenceRule } from "./presence";
import type { SeenLive } from "./seen-live";

/**
 * Codes the runtime reports for a connection that ended without a close frame: 1006 (dropped) and
 * 1015 (TLS failed). There is no peer left to answer, and a close written to it would fail later,
 * outside any handler. They are reserved codes, never sent, like 1005.
 */
const NO_PEER = new Set([1006, 1015]);

/**
 * The close to answer a peer's close with, or null when there is nothing to answer. A hibernatable
 * socket's close frame must be answered by the room (the runtime does not), else the client waits
 * in CLOSING; a close frame without a code (reported as 1005, which may not be sent) gets 1000.
 */
export function closeReply(code: number): number | null {
  if (NO_PEER.has(code)) return null;
  return code === 1005 ? 1000 : code;
}

type Parts = {
  ctx: Pick<DurableObjectState, "getWebSockets">;
  out: RoomOutput;
  admission: Pick<Admission, "released">;
  roomId: number;
  hidden: PresenceRule;
  seen: Pick<SeenLive, "departed">;
};

/**
 * A socket is gone, closed by its peer (`code`) or failed (`code` null): the peer's close is
 * answered where there is something to answer, a failed socket still open is closed so that it
 * frees its place in the user's socket limits (here, and across rooms: the user's inbox learns how
 * many this room still holds), what it was sent live is kept for the push decision, and its user
 * leaves presence if it was their last.
 */
/** Closes after which what the socket was handed counts as seen: normal, going away, no code. */
const CLEAN_CLOSES = new Set([1000, 1001, 1005]);

export function depart(
  { ctx, out, admission, roomId, hidden, seen }: Parts,
  ws: WebSocket,
  code: number | null,
  reason = "",
) {
  const reply = code === null ? 1011 : closeReply(code);
  if (reply !== null && (code !== null || ws.readyState === WebSocket.OPEN)) {
    try {
      ws.close(reply, reason);
    } catch {}
  }
  // Nothing more of a replay is sent to it (socket/replay.ts).
  out.release(ws);
  out.departed();
  const { user } = attachmentOf(ws);
  // What it was sent is not pushed to them (a copy's notice may come after this close), but only
  // after a clean close by the peer: a dropped socket (1006, an error), one closed too slow (4408)
  // or for a storage failure (1011) may not have had what it was handed, so it is pushed. Nor
  // after the room closed it itself, whatever code its client answered with (socket/close.ts).
  if (code !== null && CLEAN_CLOSES.has(code) && !closedByRoom(ws)) seen.departed(ws, user.id, out);
  const others = ctx.getWebSockets(userTag(user.id)).filter((s) => s !== ws);
  if (others.length === 0) announce(out, ctx, ws, "leave", user, hidden);
  return admission.released(user.id, roomId, others.length);
}
