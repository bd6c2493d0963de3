import { exports } from "cloudflare:workers";

/** How a socket closed (or how the worker refused an upgrade: accepted, then closed at once). */
export type Refusal = { code: number; reason: string };

/**
 * What the room (`test/socket.ts`) and inbox (`test/inbox-socket.ts`) test clients share: a real
 * WebSocket through the worker's fetch handler, the frames as they arrived, waiting for one with
 * a deadline, and cleanup after each test. Subclasses decide how frames are taken.
 */
export abstract class FrameSocket<F> {
  readonly frames: F[] = [];
  /** Every WebSocket frame as it arrived: a batch (`batch=1`) is one entry holding an array. */
  readonly received: Array<F | F[]> = [];
  closed: Refusal | null = null;
  private waiters: Array<() => void> = [];

  /** Whether `sync` markers are echoed as they arrive (flow control, `sync=1`), as the typed client does. */
  echo = false;
  /** Markers received and not echoed (while `echo` is off: a client that stopped reading). */
  readonly unechoed: string[] = [];

  constructor(readonly ws: WebSocket) {
    ws.addEventListener("message", (e) => {
      // A batch is one frame holding an array: its frames are queued one by one.
      const parsed = JSON.parse(e.data as string) as F | F[];
      this.received.push(parsed);
      const frames = Array.isArray(parsed) ? parsed : [parsed];
      // Flow-control markers are not queued: they are echoed, or kept for `echoNow`.
      for (const f of frames) if (isSync(f)) this.marker(f.token);
      this.frames.push(...frames.filter((f) => !isSync(f)));
      this.wake();
    });
    ws.addEventListener("close", (e) => {
      this.closed = { code: e.code, reason: e.reason };
      this.wake();
    });
    sockets.add(this);
  }

  /** Frames not taken yet (shown when a wait times out). */
  protected abstract unread(): F[];

  /** Resolves with `check()`'s first defined answer, re-checked on every frame and the close. */
  protected async until<T>(check: () => T | undefined, what: string, timeoutMs = 5000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = check();
      if (hit !== undefined) return hit;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.unread())}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  waitClosed(): Promise<Refusal> {
    return this.until(() => this.closed ?? undefined, "close");
  }

  send(data: unknown) {
    this.ws.send(typeof data === "string" ? data : JSON.stringify(data));
  }

  /** A clean close by default; `code` for another (an app's 4xxx, say). */
  close(code = 1000) {
    try {
      this.ws.close(code, "bye");
    } catch {}
  }

  private marker(token: string) {
    if (!this.echo) return void this.unechoed.push(token);
    // A marker can arrive after the test closed this socket: nothing to echo then.
    try {
      this.send({ type: "sync", token });
    } catch {}
  }

  /** Echoes the markers held back, and every later one as it arrives. */
  echoNow() {
    this.echo = true;
    for (const token of this.unechoed.splice(0)) this.send({ type: "sync", token });
  }

  private wake() {
    for (const w of this.waiters.splice(0)) w();
  }
}

const isSync = (f: unknown): f is { type: "sync"; token: string } =>
  (f as { type?: unknown } | null)?.type === "sync";

/** Every socket a test opened, so that one left open by a failing assertion is closed after it. */
const sockets = new Set<FrameSocket<unknown>>();

/** Closes every test socket still open (test/setup.ts, after each test). */
export function closeAllFrameSockets() {
  for (const s of sockets) s.close();
  sockets.clear();
}

export type UpgradeOptions = {
  since?: number;
  epoch?: string;
  protocols?: string[];
  /** Ask for batches (`batch=1`), as the typed client does. */
  batch?: boolean;
  /** Ask for flow-control markers (`sync=1`); `echo: false` leaves them unanswered (a slow reader). */
  sync?: boolean;
  echo?: boolean;
  /** Ask for ordered sends (`ordered=1`, docs/protocol.md "Ordered sends"), as the typed client does. */
  ordered?: boolean;
  /** Offered as Sec-WebSocket-Extensions, as a browser offers `permessage-deflate`. */
  extensions?: string;
  /** false: the token is not put in the query (it rides in `protocols`, or nowhere). */
  useQueryToken?: boolean;
};

/** Asks the worker to upgrade `path` (e.g. `/ws/1`, `/ws/me`), as a browser would; the raw answer. */
export function upgrade(path: string, token: string | null, opts: UpgradeOptions = {}): Promise<Response> {
  const url = new URL(path, "http://roomcast.test");
  if (token && opts.useQueryToken !== false) url.searchParams.set("token", token);
  if (opts.since !== undefined) url.searchParams.set("since", String(opts.since));
  if (opts.epoch !== undefined) url.searchParams.set("epoch", opts.epoch);
  if (opts.batch) url.searchParams.set("batch", "1");
  if (opts.sync) url.searchParams.set("sync", "1");
  if (opts.ordered) url.searchParams.set("ordered", "1");
  const headers = new Headers({ upgrade: "websocket" });
  if (opts.protocols) headers.set("sec-websocket-protocol", opts.protocols.join(", "));
  if (opts.extensions) headers.set("sec-websocket-extensions", opts.extensions);
  return exports.default.fetch(new Request(url, { headers }));
}
