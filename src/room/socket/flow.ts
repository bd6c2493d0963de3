import { CloseCode, type ServerFrame } from "../../protocol";
import { closeByRoom } from "./close";
import { readAttachment, writeAttachment } from "./identity";

/** The tag of sockets that echo `sync` markers (`?sync=1`); it survives hibernation. */
export const SYNC_TAG = "sync";

/** Where a marker was sent (characters sent before it) and the token its echo must carry. */
type Marker = { at: number; token: string };

/** What a socket's attachment keeps of its accounting, written at each checkpoint (`flow`). */
export type FlowState = { sent: number; confirmed: number; markers: Marker[] };

type Live = FlowState & { synced: boolean; next: number; closed: boolean };

export type FlowLimits = {
  /** Characters a `sync=1` socket may have sent and not confirmed. */
  window: number;
  /** Characters a socket that does not echo may receive per connection. */
  unsynced: number;
};

/** Checkpoints (and markers) per window: an echo every eighth of it keeps a reading client well inside. */
const STEPS_PER_WINDOW = 8;

const token = () => crypto.getRandomValues(new Uint32Array(1))[0]?.toString(36) ?? "0";

/**
 * Flow control for sockets whose runtime reports no backlog (workerd's server-side WebSockets
 * have no `bufferedAmount`, docs/ARCHITECTURE.md): the socket's client says what it has read.
 * After every eighth of the window sent, a `sync=1` socket gets `{"type":"sync","token":…}` with
 * a random token, and echoes it once it has handled everything before it; the characters sent
 * past the last echoed marker are the socket's backlog, and a socket whose backlog passes the
 * window is closed with 4408 (too slow; reconnect with `since`). A socket that never echoes (the
 * original plain-text clients) has nothing confirmed: it may receive `unsynced` characters per
 * connection, then it is closed the same way. Counting costs a few additions per frame; the
 * accounting is written to the socket's attachment only at checkpoints (one per marker), so after
 * hibernation it resumes from the last one (at most one step behind).
 */
export class SendWindow {
  private readonly states = new WeakMap<WebSocket, Live>();
  private readonly syncing = new WeakSet<WebSocket>();

  constructor(
    ctx: Pick<DurableObjectState, "getWebSockets">,
    private readonly limits: FlowLimits,
  ) {
    for (const ws of ctx.getWebSockets(SYNC_TAG)) this.syncing.add(ws);
  }

  /** A socket was accepted; `synced`: it asked for markers (`sync=1`). */
  accepted(ws: WebSocket, synced: boolean) {
    if (synced) this.syncing.add(ws);
  }

  synced(ws: WebSocket): boolean {
    return this.syncing.has(ws);
  }

  /** Counts `chars` just sent to `ws`: a marker at each step, a close past the bound. False once closed. */
  sent(ws: WebSocket, chars: number): boolean {
    const s = this.state(ws);
    if (s.closed) return false;
    s.sent += chars;
    if (s.sent - s.confirmed > this.bound(s)) {
      s.closed = true;
      closeByRoom(ws, CloseCode.tooSlow, "too slow");
      return false;
    }
    if (s.sent >= s.next) this.checkpoint(ws, s);
    return true;
  }

  /** An echoed marker: everything sent before it was read. False for a token that is not outstanding. */
  confirm(ws: WebSocket, echoed: string): boolean {
    const s = this.state(ws);
    const i = s.markers.findIndex((m) => m.token === echoed);
    const marker = s.markers[i];
    if (!marker) return false;
    s.confirmed = Math.max(s.confirmed, marker.at);
    s.markers.splice(0, i + 1);
    save(ws, s);
    return true;
  }

  /** Characters `ws` may be sent now by a replay: up to half its window unconfirmed (one step if it does not echo). */
  room(ws: WebSocket): number {
    const s = this.state(ws);
    if (s.closed) return 0;
    if (!s.synced) return this.step(s);
    return this.limits.window / 2 - (s.sent - s.confirmed);
  }

  private bound(s: Live): number {
    return s.synced ? this.limits.window : this.limits.unsynced;
  }

  private step(s: Live): number {
    return Math.floor(s.synced ? this.limits.window / STEPS_PER_WINDOW : this.limits.unsynced / 16);
  }

  private checkpoint(ws: WebSocket, s: Live) {
    s.next = s.sent + this.step(s);
    if (s.synced) {
      const marker = { at: s.sent, token: token() };
      s.markers.push(marker);
      try {
        ws.send(JSON.stringify({ type: "sync", token: marker.token } satisfies ServerFrame));
      } catch {}
    }
    save(ws, s);
  }

  private state(ws: WebSocket): Live {
    let s = this.states.get(ws);
    if (s) return s;
    const kept = readAttachment<{ flow?: FlowState } | null>(ws)?.flow;
    const base = kept ? { ...kept, markers: [...kept.markers] } : { sent: 0, confirmed: 0, markers: [] };
    s = { ...base, synced: this.syncing.has(ws), next: 0, closed: false };
    s.next = s.sent + this.step(s);
    this.states.set(ws, s);
    return s;
  }
}

function save(ws: WebSocket, s: Live) {
  const flow: FlowState = { sent: s.sent, confirmed: s.confirmed, markers: [...s.markers] };
  try {
    writeAttachment(ws, { ...readAttachment<object>(ws), flow });
  } catch {}
}
