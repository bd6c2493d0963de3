/**
 * Close codes of a refused WebSocket upgrade (docs/protocol.md). A browser sees no HTTP status
 * when a handshake fails (only close 1006), so the worker accepts a refused upgrade and closes it
 * at once with one of these and the error's `code` as the reason. No imports: the client package
 * shares this file.
 */
export const RefusalCloseCode = {
  /** Malformed request, e.g. a room id that is not a positive integer. */
  badRequest: 4400,
  /** Token missing, invalid, expired or revoked. */
  unauthorized: 4401,
  /** No access: banned, not a member, account disabled. */
  forbidden: 4403,
  /** No such room (or a private room you cannot see). */
  notFound: 4404,
  /** Too many sockets of yours in this room. */
  tooManySockets: 4429,
} as const;

/** The close code for an HTTP refusal status: 4000 + the status, any other 4xx is 4400. */
export function refusalCloseCode(status: number): number {
  switch (status) {
    case 401:
      return RefusalCloseCode.unauthorized;
    case 403:
      return RefusalCloseCode.forbidden;
    case 404:
      return RefusalCloseCode.notFound;
    case 429:
      return RefusalCloseCode.tooManySockets;
    default:
      return RefusalCloseCode.badRequest;
  }
}
