import type { InboxEvent, InboxFrame, InboxReady } from "../src/protocol";
import { closeAllFrameSockets, FrameSocket, type UpgradeOptions, upgrade } from "./frame-socket";

export type InboxType = InboxFrame["type"];
export type InboxOf<T extends InboxType> = Extract<InboxFrame, { type: T }>;

/** Closes every socket a test left open (the same as `closeAllSockets` of test/socket.ts). */
export const closeAllInboxes = closeAllFrameSockets;

/** A real `/ws/me` client through the worker's fetch handler, with a queue to await frames in order. */
export class InboxSocket extends FrameSocket<InboxFrame> {
  private taken = 0;

  protected override unread(): InboxFrame[] {
    return this.frames.slice(this.taken);
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
    return this.unread();
  }

  /** Waits `ms` and returns what arrived meanwhile (to check that nothing does). */
  async quiet(ms = 300): Promise<InboxFrame[]> {
    await new Promise((r) => setTimeout(r, ms));
    return this.rest;
  }
}

export type InboxOptions = Pick<UpgradeOptions, "since" | "epoch" | "protocols" | "sync" | "echo">;

/** Opens `/ws/me`: the socket and its `ready`, or the refusal (a 44xx close) when refused. */
export async function openInbox(token: string | null, opts: InboxOptions = {}) {
  const res = await upgrade("/ws/me", token, opts);
  if (!res.webSocket) throw new Error(`no upgrade: ${res.status}`);
  res.webSocket.accept();
  const socket = new InboxSocket(res.webSocket);
  socket.echo = opts.sync === true && opts.echo !== false;
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

/** The next head of a room on a channel that passes `ok` (heads of one room coalesce). */
export async function headWhere(
  socket: InboxSocket,
  roomId: number,
  ok: (h: InboxOf<"room.head">) => boolean,
): Promise<InboxOf<"room.head">> {
  const seen: unknown[] = [];
  for (;;) {
    const f = await socket.next().catch((err: Error) => {
      throw new Error(`${err.message}; heads seen: ${JSON.stringify(seen)}`);
    });
    if (f.type === "room.head" && f.room_id === roomId && ok(f)) return f;
    seen.push(f.type === "room.head" ? [f.room_seq, f.unread_count, f.last_message?.excerpt] : f.type);
  }
}
