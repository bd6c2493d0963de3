import { exports } from "cloudflare:workers";

export type Frame = { type: string; [key: string]: any };

export const seqs = (frames: Frame[]) => frames.map((f) => f.seq);

/**
 * A real WebSocket client to the worker (through its fetch handler, so the upgrade goes through
 * the same auth and routing as in production), with a queue to await frames in order.
 */
export class TestSocket {
  readonly frames: Frame[] = [];
  private waiters: Array<() => void> = [];
  closed: { code: number; reason: string } | null = null;
  private readonly taken = new Set<number>();

  constructor(readonly ws: WebSocket) {
    ws.addEventListener("message", (e) => {
      this.frames.push(JSON.parse(e.data as string));
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

  /** The oldest frame not yet taken, of `type` if given (frames of other types stay queued). */
  async next(type?: string | string[]): Promise<Frame> {
    const wanted = (t: string) => !type || (Array.isArray(type) ? type.includes(t) : t === type);
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
  pending(type: string): Frame[] {
    return this.frames.filter((f, idx) => !this.taken.has(idx) && f.type === type);
  }

  /** The next `n` frames of a type, in order. */
  async take(n: number, type: string | string[]): Promise<Frame[]> {
    const out: Frame[] = [];
    for (let i = 0; i < n; i++) out.push(await this.next(type));
    return out;
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
  since?: number;
  epoch?: string;
  protocols?: string[];
  useQueryToken?: boolean;
};

/** Opens `/ws/{roomId}`; resolves with the socket, or with the HTTP response if refused. */
export async function openSocket(roomId: number | string, token: string | null, opts: ConnectOptions = {}) {
  const url = new URL(`http://roomcast.test/ws/${roomId}`);
  if (token && opts.useQueryToken !== false) url.searchParams.set("token", token);
  if (opts.since !== undefined) url.searchParams.set("since", String(opts.since));
  if (opts.epoch !== undefined) url.searchParams.set("epoch", opts.epoch);
  const headers = new Headers({ upgrade: "websocket" });
  if (opts.protocols) headers.set("sec-websocket-protocol", opts.protocols.join(", "));
  const res = await exports.default.fetch(new Request(url, { headers }));
  if (!res.webSocket) return { socket: null, response: res };
  res.webSocket.accept();
  return { socket: new TestSocket(res.webSocket), response: res };
}

/** Connects and waits for `ready`; throws if the server refused. */
export async function connect(roomId: number, token: string, opts: ConnectOptions = {}) {
  const { socket, response } = await openSocket(roomId, token, opts);
  if (!socket) throw new Error(`upgrade refused: ${response.status} ${await response.text()}`);
  const ready = await socket.next("ready");
  return { socket, ready };
}
