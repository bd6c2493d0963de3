import { DurableObject } from "cloudflare:workers";
import { type Bindings, type Config, loadConfig } from "../env";
import {
  GAINED_TYPES,
  GONE_TYPES,
  type InboxNotice,
  PING_FRAME,
  PONG_FRAME,
  type RoomHead,
} from "../protocol";
import { connectInbox } from "./connect";
import { Heads } from "./heads";
import { InboxLog } from "./log";

const isType = <T extends string>(types: readonly T[], type: string): type is T =>
  (types as readonly string[]).includes(type);

/**
 * One user's inbox: the `/ws/me` sockets of all their devices and the user's own timeline of what
 * changed in every room they are in (heads with exact counts, joins, removals, DMs, account
 * events). Rooms push heads here only while a device is connected (`roomHead` answers false
 * otherwise, and the room stops); everything else arrives through `notify`. Every event is
 * stored before any socket sees it, so a device that reconnects with `since` gets what it missed.
 */
export class Inbox extends DurableObject<Bindings> {
  private readonly config: Config;
  private readonly log: InboxLog;
  private readonly heads: Heads;

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    this.config = loadConfig(env);
    this.log = new InboxLog(ctx.storage.sql, this.config.INBOX_KEEP_EVENTS);
    this.heads = new Heads(ctx.storage.sql);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING_FRAME, PONG_FRAME));
  }

  /** A device's `/ws/me` upgrade, forwarded by the worker (see `connect.ts`). */
  override fetch(request: Request): Response {
    return connectInbox({ ctx: this.ctx, log: this.log, config: this.config }, request);
  }

  /** The channel takes no frames but `ping` (answered by the runtime): anything else is refused. */
  override webSocketMessage(ws: WebSocket) {
    send(
      ws,
      JSON.stringify({ type: "error", code: "unknown_type", message: "The inbox channel takes only ping" }),
    );
  }

  override webSocketClose(ws: WebSocket, code: number, reason: string) {
    try {
      ws.close(code === 1005 ? 1000 : code, reason);
    } catch {}
  }

  /** Something happened to this user: stored as the next event, then sent to every device. */
  async notify(notice: InboxNotice) {
    if (isType(GONE_TYPES, notice.type) && "room_id" in notice) this.heads.lost(notice.room_id);
    if (isType(GAINED_TYPES, notice.type) && "room" in notice) this.heads.gained(notice.room.id);
    this.broadcast(this.log.append(notice));
  }

  /**
   * A room's new head for this user. False when no device is connected (the room then stops
   * pushing here; the next connection asks every room again) or the user lost the room.
   */
  async roomHead(head: RoomHead): Promise<boolean> {
    if (this.ctx.getWebSockets().length === 0) {
      this.heads.setWatched(head.room_id, false);
      return false;
    }
    if (!this.heads.has(head.room_id)) return false;
    const change = this.heads.apply(head);
    if (change) this.broadcast(this.log.append({ ...head, type: change }));
    this.heads.markLive(head.room_id, head.room_seq);
    return true;
  }

  /**
   * Whether a device of this user has seen seq `seq` of room `roomId` live, or read past it: the
   * hook for push notifications ("seen live → no push").
   */
  async seenLive(roomId: number, seq: number): Promise<boolean> {
    const head = this.heads.head(roomId);
    if (!head) return false;
    return head.read_seq >= seq || (this.heads.liveSeq(roomId) ?? 0) >= seq;
  }

  /** The user's tokens were revoked (4401) or the account disabled or deleted (4403). */
  async closeAll(code: number, reason: string) {
    for (const ws of this.ctx.getWebSockets()) {
      try {
        ws.close(code, reason);
      } catch {}
    }
  }

  private broadcast(data: string) {
    for (const ws of this.ctx.getWebSockets()) send(ws, data);
  }
}

function send(ws: WebSocket, data: string) {
  try {
    ws.send(data);
  } catch {}
}
