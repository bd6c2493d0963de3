import type { ServerFrame } from "../src/protocol";
import {
  closeAllFrameSockets,
  FrameSocket,
  type Refusal,
  type UpgradeOptions,
  upgrade,
} from "./frame-socket";

/** What the server sends: the protocol's own type (src/protocol/), so tests follow it. */
export type Frame = ServerFrame;
export type FrameType = ServerFrame["type"];
/** The frames of one type, or of a union of types. */
export type FrameOf<T extends FrameType> = Extract<ServerFrame, { type: T }>;

export const seqs = (frames: ReadonlyArray<{ seq: number }>) => frames.map((f) => f.seq);

/** Closes every socket a test left open (room and inbox sockets alike). */
export const closeAllSockets = closeAllFrameSockets;

/**
 * A real WebSocket client to a room (through the worker's fetch handler, so the upgrade goes
 * through the same auth and routing as in production), with a queue to await frames in order.
 */
export class TestSocket extends FrameSocket<Frame> {
  private readonly taken = new Set<number>();

  protected override unread(): Frame[] {
    return this.frames.filter((_, i) => !this.taken.has(i));
  }

  /**
   * The oldest frame not yet taken, of `type` (or one of several types) if given, typed as that
   * frame; frames of other types stay queued.
   */
  async next(): Promise<Frame>;
  async next<T extends FrameType>(type: T | readonly T[]): Promise<FrameOf<T>>;
  async next(type?: FrameType | readonly FrameType[]): Promise<Frame> {
    const wanted = (t: FrameType) => !type || (typeof type === "string" ? t === type : type.includes(t));
    return this.until(
      () => {
        const i = this.frames.findIndex((f, idx) => !this.taken.has(idx) && wanted(f.type));
        if (i < 0) return undefined;
        this.taken.add(i);
        return this.frames[i];
      },
      String(type ?? "a frame"),
    );
  }

  /** Frames of a type received so far and not taken. */
  pending<T extends FrameType>(type: T): FrameOf<T>[] {
    return this.frames.filter((f, idx): f is FrameOf<T> => !this.taken.has(idx) && f.type === type);
  }

  /** The next `n` frames of a type (or of several types), in order. */
  async take<T extends FrameType>(n: number, type: T | readonly T[]): Promise<FrameOf<T>[]> {
    const out: FrameOf<T>[] = [];
    for (let i = 0; i < n; i++) out.push(await this.next(type));
    return out;
  }

  /** Resolves when `ready` or the close has arrived (a refusal may send an `error` frame first). */
  async firstEvent(): Promise<void> {
    await this.until(
      () => (this.frames.some((f) => f.type === "ready") || this.closed ? true : undefined),
      "ready or close",
    );
  }
}

export type ConnectOptions = UpgradeOptions;

/** A refused upgrade as a browser sees it: the close, and the `error` frame before it, if any. */
export type RoomRefusal = Refusal & { frame?: Frame };
export type { Refusal };

/**
 * Opens `/ws/{roomId}`. Resolves with the socket once its first frame arrived; or, when the
 * upgrade was refused, with `socket: null` and either `refusal` (an upgrade the worker accepted
 * and closed at once with a 44xx code, as browsers see it) or only the HTTP `response` (server
 * faults and non-upgrade requests).
 */
export async function openSocket(
  roomId: number | string,
  token: string | null,
  opts: ConnectOptions = {},
): Promise<{ socket: TestSocket | null; response: Response; refusal: RoomRefusal | null }> {
  const res = await upgrade(`/ws/${roomId}`, token, opts);
  if (!res.webSocket) return { socket: null, response: res, refusal: null };
  res.webSocket.accept();
  const socket = new TestSocket(res.webSocket);
  socket.echo = opts.sync === true && opts.echo !== false;
  // An accepted socket always starts with `ready`; a refused one closes without it (after an
  // `error` frame with `retry_after_ms` when it may retry at a known time: `refusal.frame`).
  await socket.firstEvent();
  if (socket.closed && !socket.frames.some((f) => f.type === "ready")) {
    const frame = socket.frames[0];
    return { socket: null, response: res, refusal: { ...socket.closed, ...(frame && { frame }) } };
  }
  return { socket, response: res, refusal: null };
}

/** Connects and waits for `ready`; throws if the server refused. */
export async function connect(roomId: number, token: string, opts: ConnectOptions = {}) {
  const { socket, response, refusal } = await openSocket(roomId, token, opts);
  if (!socket) {
    throw new Error(
      `upgrade refused: ${refusal ? `close ${refusal.code} ${refusal.reason}` : response.status}`,
    );
  }
  const ready = await socket.next("ready");
  return { socket, ready };
}
