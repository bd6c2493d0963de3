import { readAttachment, writeAttachment } from "./identity";

/** What a socket's attachment says once the room closed it itself. */
type ClosedByRoom = { closedByRoom?: true };

/**
 * The room closes `ws` itself (too slow, a storage failure, a replay that cannot go on, access or
 * session gone, the room deleted). Marked in its attachment first, so that its departure never
 * counts what it was handed as seen live (socket/seen-live.ts): the code the departure then sees
 * is the client's answer, and not every client echoes the room's (OkHttp's recipe answers 1000).
 */
export function closeByRoom(ws: WebSocket, code: number, reason: string) {
  // Also in memory, in case the attachment cannot take the mark (at its size limit).
  unmarked.add(ws);
  try {
    writeAttachment(ws, { ...readAttachment<object>(ws), closedByRoom: true });
    unmarked.delete(ws);
  } catch {}
  try {
    ws.close(code, reason);
  } catch {}
}

/** Sockets closed by the room whose attachment could not be marked (until this object ends). */
const unmarked = new WeakSet<WebSocket>();

export const closedByRoom = (ws: WebSocket) =>
  unmarked.has(ws) || readAttachment<ClosedByRoom>(ws).closedByRoom === true;
