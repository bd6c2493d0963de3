import { withDb } from "../../db/client";
import type { Config } from "../../env";
import { CloseCode, type HiddenEvent, type TimelineEvent } from "../../protocol";
import type { RoomOutput } from "../output";
import { readTimeline } from "../timeline/postgres-reads";
import type { Timeline } from "../timeline/timeline";
import { closeByRoom } from "./close";
import { frame } from "./codec";
import { SendWindow } from "./flow";
import { attachmentOf, readAttachment, writeAttachment } from "./identity";

/** The tag of sockets that connected with a resume: on a wake, only their attachments are read. */
export const REPLAY_TAG = "replay";

/** Events read per step: from the cache (SQLite) or one PostgreSQL page. */
const PAGE = 50;

type Parts = {
  ctx: Pick<DurableObjectState, "getWebSockets">;
  timeline: Timeline;
  config: Config;
  out: RoomOutput;
  hidden: { viewOf<E extends TimelineEvent>(events: E[], readerId: number): Array<E | HiddenEvent> };
};

type Replaying = { replay?: number };

/**
 * Resumes stream. A socket that resumed is held out of the room's broadcasts (`RoomOutput.hold`)
 * and fed from a cursor instead — the last seq it was sent, kept in its attachment so hibernation
 * cannot lose it — in steps of at most what its send window has room for (`flow.ts`): half the
 * window unconfirmed for a socket that echoes `sync`, then the next step waits for its echo; a
 * socket that does not echo gets a step per turn. Each step reads one page, from the cache or
 * from PostgreSQL (never the whole gap into memory). Events sequenced meanwhile are part of the
 * stream; once the cursor reaches the room's last seq the socket gets live events again. A page
 * PostgreSQL cannot give (unreachable mid-replay) closes the socket 1013: it reconnects with
 * `since` where it stopped, having received a gapless prefix.
 */
export class Replays {
  /** Pumps running (one per socket), and sockets whose echo arrived while theirs ran. */
  private readonly running = new Set<WebSocket>();
  private readonly again = new Set<WebSocket>();
  /** A PostgreSQL page's events not yet sent (its next step sends them before reading more). */
  private readonly leftover = new WeakMap<WebSocket, TimelineEvent[]>();

  /** Every socket's send window; what leaves through the output is counted by it. */
  readonly flow: SendWindow;

  constructor(private readonly p: Parts) {
    const { WS_SEND_WINDOW_CHARS: window, WS_UNSYNCED_MAX_CHARS: unsynced } = p.config;
    this.flow = new SendWindow(p.ctx, { window, unsynced });
    p.out.meterWith(this.flow);
    // Woken mid-replay: those sockets stay held and their replays go on.
    for (const ws of p.ctx.getWebSockets(REPLAY_TAG)) {
      if (cursorOf(ws) === undefined) continue;
      p.out.hold(ws);
      setTimeout(() => void this.pump(ws), 0);
    }
  }

  /** Starts streaming everything after `cursor` to `ws` (synchronously up to the first step's end). */
  start(ws: WebSocket, cursor: number) {
    this.p.out.hold(ws);
    save(ws, cursor);
    void this.pump(ws);
  }

  /** The socket echoed a marker: its replay may go on. */
  confirmed(ws: WebSocket, token: string) {
    if (this.flow.confirm(ws, token) && cursorOf(ws) !== undefined) void this.pump(ws);
  }

  /** Nothing more is sent to `ws` (a socket that went away is released by `departure.ts`). */
  private gone(ws: WebSocket) {
    this.leftover.delete(ws);
    this.p.out.release(ws);
  }

  private async pump(ws: WebSocket): Promise<void> {
    if (this.running.has(ws)) {
      this.again.add(ws);
      return;
    }
    this.running.add(ws);
    try {
      while (await this.step(ws)) {}
    } catch (err) {
      console.warn("room: a replay could not go on", err);
      this.gone(ws);
      closeByRoom(ws, CloseCode.tryAgainLater, "replay interrupted");
    } finally {
      this.running.delete(ws);
      if (this.again.delete(ws) && cursorOf(ws) !== undefined) void this.pump(ws);
    }
  }

  /** Sends one step; true to take another at once. Reaching the room's end makes the socket live, synchronously. */
  private async step(ws: WebSocket): Promise<boolean> {
    const { timeline, out } = this.p;
    const { flow } = this;
    const cursor = cursorOf(ws);
    if (cursor === undefined || ws.readyState !== WebSocket.OPEN) return false;
    if (cursor >= timeline.lastSeq) {
      this.finish(ws);
      return false;
    }
    let room = flow.room(ws);
    if (room <= 0) return false;
    const page = await this.page(ws, cursor);
    if (ws.readyState !== WebSocket.OPEN) return false;
    const { user } = attachmentOf(ws);
    let last = cursor;
    for (const e of this.p.hidden.viewOf(page, user.id)) {
      if (room <= 0) break;
      if (e.seq !== last + 1) throw new Error(`replay gap after seq ${last}`);
      const data = frame(e);
      out.broadcast([ws], data);
      room -= data.length;
      last = e.seq;
    }
    const rest = page.filter((e) => e.seq > last);
    if (rest.length > 0) this.leftover.set(ws, rest);
    else this.leftover.delete(ws);
    save(ws, last);
    out.flushNow(ws);
    if (flow.synced(ws)) return true;
    // A socket that does not echo: the next step in a later turn, after what this one sent left.
    setTimeout(() => void this.pump(ws), 0);
    return false;
  }

  /** The next events after `cursor`: what is left of the last page, the cache, or PostgreSQL. */
  private async page(ws: WebSocket, cursor: number): Promise<TimelineEvent[]> {
    const { timeline, config } = this.p;
    const kept = this.leftover.get(ws);
    if (kept?.[0]?.seq === cursor + 1) return kept;
    if (timeline.oldestCached <= cursor + 1) return timeline.cache.eventsAfter(cursor, PAGE);
    const page = await withDb(config, (db) =>
      readTimeline(db, timeline.roomId, { after: cursor, limit: PAGE }),
    );
    if (page.length === 0) throw new Error(`PostgreSQL holds no events after seq ${cursor}`);
    return page.map((e) => timeline.cache.current(e));
  }

  private finish(ws: WebSocket) {
    this.leftover.delete(ws);
    save(ws, undefined);
    this.p.out.release(ws);
  }
}

const cursorOf = (ws: WebSocket) => readAttachment<Replaying | null>(ws)?.replay;

function save(ws: WebSocket, cursor: number | undefined) {
  const { replay: _, ...rest } = readAttachment<Replaying>(ws);
  writeAttachment(ws, cursor === undefined ? rest : { ...rest, replay: cursor });
}
