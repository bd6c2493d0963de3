import { AppError } from "../../errors";
import { readAttachment, writeAttachment } from "./identity";

/**
 * Ordered sends (`?ordered=1`, docs/protocol.md "Ordered sends"). Frames of one socket are
 * handled in arrival order, but a send refused for now (`rate_limited`) is not stored, so a later
 * send already on the wire would be stored ahead of its retry. A client that pipelines sends (the
 * typed client's window) asks for this rule instead: the first send refused with a code below
 * holds the socket, every later send is refused `held` (stores nothing), and the hold ends when
 * the refused `client_id` comes again. Then what is stored is always a prefix of what was sent,
 * in order, whatever the client's window.
 *
 * The hold lives in the socket's attachment (it survives hibernation; a hold can outlast the
 * idle time before one with `backlog_full`'s 5 s) and is written only when it starts or ends.
 */

/** Refusals that say "not now": the client retries them after `retry_after_ms`. Others are final. */
const HOLDING_CODES: ReadonlySet<string> = new Set(["rate_limited", "backlog_full"]);

/** What an ordered socket's attachment carries: the `client_id` its sends wait for, if any. */
type Ordered = { sendOrder?: { heldBy: string | null } };

/** The attachment fields of a socket accepted with `ordered=1`. */
export const orderedAttachment = (): Ordered => ({ sendOrder: { heldBy: null } });

const orderOf = (ws: WebSocket) => readAttachment<Ordered | null>(ws)?.sendOrder;

function setHold(ws: WebSocket, heldBy: string | null) {
  writeAttachment(ws, { ...readAttachment<object>(ws), sendOrder: { heldBy } } satisfies Ordered);
}

/** What the send queue asks of one send's socket: may it go now, and was its refusal one that holds. */
export type SendGate = { admit(): void; refused(err: unknown): void };

/**
 * The gate of a send from `ws`, or undefined when no rule applies: the socket did not ask for
 * ordered sends, or the send has no `client_id` (its retry could not be recognised).
 */
export function sendGate(ws: WebSocket, clientId: string | null): SendGate | undefined {
  if (clientId === null || !orderOf(ws)) return undefined;
  return {
    admit() {
      const heldBy = orderOf(ws)?.heldBy ?? null;
      if (heldBy === null) return;
      if (heldBy === clientId) return setHold(ws, null);
      throw new AppError(
        "held",
        409,
        "Not stored: an earlier send of this socket was refused for now; send it again first, then this one",
        { held_by: heldBy },
      );
    },
    refused(err) {
      if (holds(ws, clientId, err)) setHold(ws, clientId);
    },
  };
}

/** Whether this refusal of a send holds its socket (its error frame then says `holding: true`). */
export function holds(ws: WebSocket, clientId: string | null | undefined, err: unknown): boolean {
  return (
    typeof clientId === "string" &&
    err instanceof AppError &&
    HOLDING_CODES.has(err.code) &&
    orderOf(ws) !== undefined
  );
}
