import { type Batched, batchFrames } from "./codec";
import { SocketList } from "./socket-list";

const NONE: readonly WebSocket[] = [];

/**
 * What the room's output has queued until its next flush: each socket's own frames, and the
 * events that go to every socket, kept once instead of in every socket's queue. A broadcast is
 * one push whatever the fan-out (it was one push per socket, and a compare per socket at the
 * flush to find that the queues were the same). The shared frames' audience is the room's sockets
 * (`all`) at their first frame; they are handed over to the sockets' own queues (`handOver`)
 * before that list changes (a socket accepted, gone, closed or held), so a frame never reaches a
 * socket that came after it.
 *
 * A socket's own frames (an ack, an error, a subset's broadcast) keep their place among the
 * shared ones: queueing one first moves the shared frames that socket has not taken yet into its
 * own queue. So each socket's order is exactly the order in which frames were produced.
 */
export class SharedFrames {
  private readonly list: SocketList;
  private readonly own = new Map<WebSocket, string[]>();
  private frames: string[] = [];
  private sockets: readonly WebSocket[] = NONE;
  /** The audience as a set, built only when a socket's own frame asks (once per flush at most). */
  private members: Set<WebSocket> | null = null;
  /** How many of the frames a socket has taken (absent: none). */
  private readonly taken = new Map<WebSocket, number>();
  /** The frames joined for a batching socket, once for all who take them whole. */
  private whole: Batched | undefined;

  constructor(ctx: Pick<DurableObjectState, "getWebSockets">) {
    this.list = new SocketList(ctx);
  }

  /** Every socket of the room (`SocketList`). */
  all(): WebSocket[] {
    return this.list.all();
  }

  /** A socket came or went: what is shared so far stays with the sockets there were. */
  changed() {
    this.handOver();
    this.list.changed();
  }

  /** An event to every socket; false if the room has none. */
  share(data: string): boolean {
    if (this.frames.length === 0) {
      this.sockets = this.list.all();
      if (this.sockets.length === 0) return false;
    }
    this.frames.push(data);
    // A socket flushed early (a replay's `flushNow`) may have joined the list as it was.
    this.whole = undefined;
    return true;
  }

  /** A frame for `ws` alone, after what it was shared so far. */
  queue(ws: WebSocket, data: string) {
    const queue = this.catchUp(ws);
    if (queue) queue.push(data);
    else this.own.set(ws, [data]);
  }

  /** The sockets the shared frames are for (none while there are none). */
  audience(): readonly WebSocket[] {
    return this.frames.length === 0 ? NONE : this.sockets;
  }

  /** Sockets with frames of their own. */
  owners(): IterableIterator<WebSocket> {
    return this.own.keys();
  }

  /**
   * What `ws` is to be sent now, forgotten here: its own frames, then the shared ones it has not
   * taken (read-only: maybe the shared array itself); null if nothing. `member`: known to be in the audience.
   */
  drain(ws: WebSocket, member?: boolean): { own?: string[]; rest: readonly string[] | null } | null {
    const own = this.own.get(ws);
    const rest = this.take(ws, member);
    if (!own && !rest) return null;
    this.own.delete(ws);
    return { own, rest };
  }

  /** A batching socket's frames (`drain`'s): the whole shared list is joined only once. */
  batched(own: string[] | undefined, rest: readonly string[] | null, maxChars: number, last?: Batched) {
    if (own) return batchFrames(rest ? own.concat(rest) : own, maxChars, last);
    if (rest !== this.frames) return batchFrames(rest as string[], maxChars, last);
    this.whole ??= batchFrames(this.frames, maxChars);
    return this.whole;
  }

  /** Every socket's untaken shared frames become its own; the shared list starts anew. */
  handOver() {
    for (const ws of this.audience()) this.catchUp(ws, true);
    this.end();
  }

  /** The flush has sent them (or they became the sockets' own): the next frame starts anew. */
  end() {
    if (this.frames.length === 0) return;
    this.frames = [];
    this.sockets = NONE;
    this.members = null;
    this.taken.clear();
    this.whole = undefined;
  }

  /** Nothing queued leaves (the write failed). */
  clear() {
    this.own.clear();
    this.end();
  }

  /** Moves the shared frames `ws` has not taken into its own queue (made if there are any). */
  private catchUp(ws: WebSocket, member?: boolean): string[] | undefined {
    const rest = this.take(ws, member);
    const queue = this.own.get(ws);
    if (!rest) return queue;
    if (!queue) {
      const made = [...rest];
      this.own.set(ws, made);
      return made;
    }
    for (const f of rest) queue.push(f);
    return queue;
  }

  /** The shared frames `ws` has not taken yet, now taken (null if none, or `ws` is not in the audience). */
  private take(ws: WebSocket, member?: boolean): readonly string[] | null {
    const n = this.frames.length;
    if (n === 0) return null;
    if (!(member ?? this.has(ws))) return null;
    const from = this.taken.get(ws) ?? 0;
    if (from === n) return null;
    this.taken.set(ws, n);
    return from === 0 ? this.frames : this.frames.slice(from);
  }

  private has(ws: WebSocket): boolean {
    this.members ??= new Set(this.sockets);
    return this.members.has(ws);
  }
}
