import { CloseCode } from "../../src/protocol/close-codes";

/** Why a room socket closed, as a program can act on it (docs/protocol.md, close codes). */
export type CloseReason =
  /** Malformed request (4400), e.g. a room id that is not a positive integer. Final. */
  | "bad_request"
  /** Token missing, invalid, expired or revoked (4401). Final unless `refreshToken` gives a new one. */
  | "unauthorized"
  /** Removed, banned, left, not a member, account disabled (4403). Final. */
  | "forbidden"
  /** No such room, or it was deleted (4404). Final. */
  | "not_found"
  /** Too many sockets of yours (in this room or all rooms), or too many connects here (4429). Retried with backoff. */
  | "too_many_sockets"
  /** You called `close()`. */
  | "closed"
  /** Anything else (network, server going away, 1006): retried with backoff. */
  | "network";

export function closeReason(code: number): CloseReason {
  switch (code) {
    case CloseCode.badRequest:
      return "bad_request";
    case CloseCode.unauthorized:
      return "unauthorized";
    case CloseCode.forbidden:
      return "forbidden";
    case CloseCode.notFound:
      return "not_found";
    case CloseCode.tooManySockets:
      return "too_many_sockets";
    default:
      return "network";
  }
}

/** Reasons after which reconnecting cannot help (4401 is decided by the token hook). */
export const isFinal = (reason: CloseReason) =>
  reason === "bad_request" || reason === "forbidden" || reason === "not_found" || reason === "closed";
