import { exports } from "cloudflare:workers";
import type { InboxEvent, InboxFrame, InboxReady } from "../src/protocol";

export type InboxType = InboxFrame["type"];
export type InboxOf<T extends InboxType> = Extract<InboxFrame, { type: T }>;

const open = new Set<InboxSocket>();

/** Closes every inbox socket a test left open. */
export function closeAllInboxes() {
  for (const s of open) s.close();
  open.clear();
}

/** A real `/ws/me` client through the worker's fetch handler, with a queue to await frames in order. */
export class InboxSocket {
  readonly frames: InboxFrame[] = [];
  closed: { code: number; reason: string } | null = null;
  private taken = 0;
  private waiters: Array<() => void> = [];

  constructor(readonly ws: WebSocket) {
    ws.addEventListener("message", (e) => {
      this.frames.push(JSON.parse(e.data as string) as InboxFrame);
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
          `timed out waiting for ${what}; got ${JSON.stringify(this.frames.slice(this.taken))}`,
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

  /** The next frame in arrival order; with `type`, it must be of that type (else the test fails). */
  async next<T extends InboxType>(type?: T): Promise<InboxOf<T>> {
    const f = await this.until(() => this.frames[this.taken], type ?? "a frame");
    this.taken++;
    if (type && f.type !== type) throw new Error(`expected ${type}, got ${JSON.stringify(f)}`);
    return f as InboxOf<T>;
  }

  /** The next frame of `type`, passing over room heads and read markers (they come with every room gained). */
  async notice<T extends InboxType>(type: T): Promise<InboxOf<T>> {
    for (;;) {
      const f = await this.next();
      if (f.type === type) return f as InboxOf<T>;
      if (f.type !== "room.head" && f.type !== "room.read")
        throw new Error(`expected ${type}, got ${JSON.stringify(f)}`);
    }
  }

  /** Frames not taken yet. */
  get rest(): InboxFrame[] {
    return this.frames.slice(this.taken);
  }

  /** Waits `ms` and returns what arrived meanwhile (to check that nothing does). */
  async quiet(ms = 300): Promise<InboxFrame[]> {
    await new Promise((r) => setTimeout(r, ms));
    return this.rest;
  }

  waitClosed() {
    return this.until(() => this.closed ?? undefined, "close");
  }

  close() {
    try {
      this.ws.close(1000, "bye");
    } catch {}
  }
}

export type InboxOptions = { since?: number; epoch?: string; protocols?: string[] };

/** Opens `/ws/me`: the socket and its `ready`, or the refusal (a 44xx close) when refused. */
export async function openInbox(token: string | null, opts: InboxOptions = {}) {
  const url = new URL("http://roomcast.test/ws/me");
  if (token) url.searchParams.set("token", token);
  if (opts.since !== undefined) url.searchParams.set("since", String(opts.since));
  if (opts.epoch !== undefined) url.searchParams.set("epoch", opts.epoch);
  const headers = new Headers({ upgrade: "websocket" });
  if (opts.protocols) headers.set("sec-websocket-protocol", opts.protocols.join(", "));
  const res = await exports.default.fetch(new Request(url, { headers }));
  if (!res.webSocket) throw new Error(`no upgrade: ${res.status}`);
  res.webSocket.accept();
  const socket = new InboxSocket(res.webSocket);
  open.add(socket);
  return { socket, response: res };
}

/** Connects and waits for `ready`. */
export async function connectInbox(token: string, opts: InboxOptions = {}) {
  const { socket, response } = await openInbox(token, opts);
  const ready: InboxReady = await socket.next("ready");
  return { socket, ready, response };
}

/** The `seq`s of events. */
export const inboxSeqs = (events: ReadonlyArray<InboxFrame>) => events.map((e) => (e as InboxEvent).seq);
