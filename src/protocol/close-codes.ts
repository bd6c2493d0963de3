/**
 * Every close code of ours (docs/protocol.md), in one module without imports, so that the typed
 * client (client/) can import it without carrying any server code.
 *
 * A browser sees no HTTP status when a WebSocket handshake is refused (only close 1006), so the
 * worker accepts a refused upgrade and closes it at once with 4000 + the status it would have
 * answered, and the error's `code` as the reason. The same codes close open sockets later.
 */
export const CloseCode = {
  /** Refused upgrade: a malformed request, e.g. a room id that is not a positive integer. */
  badRequest: 4400,
  /** The token is missing, invalid or expired, or was revoked (a password change closes open sockets with it). */
  unauthorized: 4401,
  /** No access: banned, removed, left, not a member; the account was disabled or deleted (the reason says which). */
  forbidden: 4403,
  /** No such room, or a private room you cannot see; an open socket: the room was deleted. */
  notFound: 4404,
  /**
   * Refused for now: too many sockets of yours in this room (`too_many_sockets`) or across all
   * rooms (`too_many_room_sockets`), or too many connects here (`connect_rate_limited`, after an
   * `error` frame with `retry_after_ms`).
   */
  tooManySockets: 4429,
  /** You read too slowly: more was sent than the send window allows unconfirmed (reconnect with `since`). */
  tooSlow: 4408,
  /** The room could not write events it received; nothing about them was sent (resume, resend). */
  storageFailure: 1011,
  /** A replay could not go on (PostgreSQL unreachable mid-way): what arrived is gapless; resume from it. */
  tryAgainLater: 1013,
} as const;

/** The close code for an HTTP refusal status: 4401, 4403, 4404, 4429; any other 4xx is 4400. */
export function refusalCloseCode(status: number): number {
  switch (status) {
    case 401:
      return CloseCode.unauthorized;
    case 403:
      return CloseCode.forbidden;
    case 404:
      return CloseCode.notFound;
    case 429:
      return CloseCode.tooManySockets;
    default:
      return CloseCode.badRequest;
  }
}
