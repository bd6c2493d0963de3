/** How long the room's list of its sockets is reused at most. */
const MAX_AGE_MS = 1000;

/**
 * Every socket of the room, as the runtime listed it last: asking the runtime per event built the
 * list again (an object per socket) for every message. A socket accepted or gone (`changed`)
 * makes it ask again, and so does age, in case a socket went without its handler running (its
 * send then fails quietly). Never stale for a new socket: `changed` runs right after the accept.
 */
export class SocketList {
  private sockets: WebSocket[] | null = null;
  private at = 0;

  constructor(private readonly ctx: Pick<DurableObjectState, "getWebSockets">) {}

  all(): WebSocket[] {
    const now = Date.now();
    if (this.sockets === null || now - this.at > MAX_AGE_MS) {
      this.sockets = this.ctx.getWebSockets();
      this.at = now;
    }
    return this.sockets;
  }

  changed() {
    this.sockets = null;
  }
}
