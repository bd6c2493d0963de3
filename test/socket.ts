import { exports } from "cloudflare:workers";
import type { ServerFrame } from "../src/protocol";

/** What the server sends: the protocol's own type (src/protocol/), so tests follow it. */
export type Frame = ServerFrame;
export type FrameType = ServerFrame["type"];
/** The frames of one type, or of a union of types. */
export type FrameOf<T extends FrameType> = Extract<ServerFrame, { type: T }>;

export const seqs = (frames: ReadonlyArray<{ seq: number }>) => frames.map((f) => f.seq);

/**
 * A real WebSocket client to the worker (through its fetch handler, so the upgrade goes through
 * the same auth and routing as in production), with a queue to await frames in order.
 */
/** Every socket a test opened, so that one left open by a failing assertion is closed after it. */
const open = new Set<TestSocket>();

export function closeAllSockets() {
  for (const s of open) s.close();
  open.clear();
}

export class TestSocket {
  readonly frames: Frame[] = [];
  /** Every WebSocket frame as it arrived: a batch (`batch=1`) is one entry holding an array. */
  readonly received: Array<Frame | Frame[]> = [];
  private waiters: Array<() => void> = [];
  closed: { code: number; reason: string } | null = null;
  private readonly taken = new Set<number>();

  constructor(readonly ws: WebSocket) {
    ws.addEventListener("message", (e) => {
      // A batch (`batch=1`) is one frame holding an array: its frames are queued one by one.
      const parsed = JSON.parse(e.data as string) as ServerFrame | ServerFrame[];
      this.received.push(parsed);
      this.frames.push(...(Array.isArray(parsed) ? parsed : [parsed]));
      this.wake();
    });
    ws.addEventListener("close", (e) => {
      this.closed = { code: e.code, reason: e.reason };
      this.wake();
    });
  }

  private wake() {
    for (const w of this.waiters.splice(0)) w();
  }

  private async until<T>(check: () => T | undefined, what: string, timeoutMs = 5000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = check();
      if (hit !== undefined) return hit;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `timed out waiting for ${what}; got ${JSON.stringify(this.frames.filter((_, i) => !this.taken.has(i)))}`,
        );
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
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

  /** Resolves when the first frame or the close has arrived. */
  async firstEvent(): Promise<void> {
    await this.until(
      () => (this.frames.length > 0 || this.closed ? true : undefined),
      "first frame or close",
    );
  }

  async waitClosed(): Promise<{ code: number; reason: string }> {
    return this.until(() => this.closed ?? undefined, "close");
  }

  send(data: unknown) {
    this.ws.send(typeof data === "string" ? data : JSON.stringify(data));
  }

  close() {
    try {
      this.ws.close(1000, "bye");
    } catch {}
  }
}

export type ConnectOptions = {
  /** Ask for batches (`batch=1`), as the typed client does. */
  batch?: boolean;
  since?: number;
  epoch?: string;
  protocols?: string[];
  useQueryToken?: boolean;
  /** Offered as Sec-WebSocket-Extensions, as a browser offers `permessage-deflate`. */
  extensions?: string;
};

export type Refusal = { code: number; reason: string };

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
): Promise<{ socket: TestSocket | null; response: Response; refusal: Refusal | null }> {
  const url = new URL(`http://roomcast.test/ws/${roomId}`);
  if (token && opts.useQueryToken !== false) url.searchParams.set("token", token);
  if (opts.since !== undefined) url.searchParams.set("since", String(opts.since));
  if (opts.epoch !== undefined) url.searchParams.set("epoch", opts.epoch);
  if (opts.batch) url.searchParams.set("batch", "1");
  const headers = new Headers({ upgrade: "websocket" });
  if (opts.protocols) headers.set("sec-websocket-protocol", opts.protocols.join(", "));
  if (opts.extensions) headers.set("sec-websocket-extensions", opts.extensions);
  const res = await exports.default.fetch(new Request(url, { headers }));
  if (!res.webSocket) return { socket: null, response: res, refusal: null };
  res.webSocket.accept();
  const socket = new TestSocket(res.webSocket);
  open.add(socket);
  // An accepted socket always starts with `ready`; a refused one closes before any frame.
  await socket.firstEvent();
  if (socket.frames.length === 0 && socket.closed)
    return { socket: null, response: res, refusal: socket.closed };
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
