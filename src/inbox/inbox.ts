import { DurableObject } from "cloudflare:workers";
import { type Bindings, type Config, loadConfig } from "../env";
import {
  GAINED_TYPES,
  GONE_TYPES,
  INBOX_HEADERS,
  type InboxNotice,
  PING_FRAME,
  PONG_FRAME,
  type RoomHead,
} from "../protocol";
import { roomStub, SendWindow } from "../room";
import { connectInbox, type InboxSocketUser, ofSession } from "./connect";
import { Heads } from "./heads";
import { InboxLog } from "./log";
import { RoomSockets } from "./room-sockets";
import { watchRooms } from "./watch";

/** A failed registration with the rooms (PostgreSQL unreachable) is tried again this much later. */
const WATCH_RETRY_MS = 5000;

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
  private readonly roomSockets: RoomSockets;
  /** What a device has not confirmed reading is bounded, as on room sockets (docs/protocol.md, flow control). */
  private readonly flow: SendWindow;
  /** Connections being set up: pushes are welcome meanwhile (a device is about to be there). */
  private connecting = 0;
  private watching: Promise<void> | null = null;

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    this.config = loadConfig(env);
    this.log = new InboxLog(ctx.storage.sql, this.config.INBOX_KEEP_EVENTS);
    this.heads = new Heads(ctx.storage.sql);
    this.roomSockets = new RoomSockets(ctx.storage.sql);
    const { WS_SEND_WINDOW_CHARS: window, WS_UNSYNCED_MAX_CHARS: unsynced } = this.config;
    this.flow = new SendWindow(ctx, { window, unsynced });
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING_FRAME, PONG_FRAME));
  }

  /**
   * A device's `/ws/me` upgrade, forwarded by the worker (see `connect.ts`): first every room of
   * the user is asked to push here (what changed meanwhile becomes events), then the socket opens.
   */
  override async fetch(request: Request): Promise<Response> {
    const user = JSON.parse(request.headers.get(INBOX_HEADERS.user) ?? "null") as InboxSocketUser | null;
    this.connecting++;
    try {
      if (user) await this.watch(user.id);
      const { ctx, log, config, flow } = this;
      return connectInbox({ ctx, log, config, send: (ws, data) => send(ws, data, flow), flow }, request);
    } finally {
      this.connecting--;
    }
  }

  /** Registers with the user's rooms; a failure is retried from the alarm while a device is connected. */
  private watch(userId: number): Promise<void> {
    const emit = (notice: InboxNotice) => this.broadcast(this.log.append(notice));
    const { env, config, heads } = this;
    this.watching ??= watchRooms({ env, config, heads, emit }, userId)
      .catch((err) => {
        console.warn("inbox: could not register with the rooms; retrying", err);
        return this.ctx.storage.setAlarm(Date.now() + WATCH_RETRY_MS);
      })
      .finally(() => {
        this.watching = null;
      });
    return this.watching;
  }

  override async alarm() {
    const ws = this.ctx.getWebSockets()[0];
    if (ws) await this.watch((ws.deserializeAttachment() as InboxSocketUser).id);
  }

  /** The channel takes no frames but `ping` (answered by the runtime) and `sync` echoes: anything else is refused. */
  override webSocketMessage(ws: WebSocket, data: string | ArrayBuffer) {
    const token = syncToken(data);
    if (token !== null) {
      this.flow.confirm(ws, token);
      return;
    }
    const refusal = {
      type: "error",
      code: "unknown_type",
      message: "The inbox channel takes only ping and sync",
    };
    send(ws, JSON.stringify(refusal), this.flow);
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
    // A room gained while a device is connected starts pushing here at once.
    const ws = this.ctx.getWebSockets()[0];
    if (ws && isType(GAINED_TYPES, notice.type) && "room" in notice) {
      await this.watchOne(notice.room.id, (ws.deserializeAttachment() as InboxSocketUser).id);
    }
  }

  private async watchOne(roomId: number, userId: number) {
    try {
      const head = await roomStub(this.env, roomId).memberHead(roomId, userId, 0, true);
      if (!head || !this.heads.has(roomId)) return;
      this.heads.setWatched(roomId, true);
      const change = this.heads.apply(head);
      if (change) this.broadcast(this.log.append({ ...head, type: change }));
    } catch (err) {
      console.warn("inbox: could not register with a new room", roomId, err);
    }
  }

  /**
   * A room's new head for this user. False when no device is connected (the room then stops
   * pushing here; the next connection asks every room again) or the user lost the room.
   */
  async roomHead(head: RoomHead): Promise<boolean> {
    if (this.ctx.getWebSockets().length === 0 && this.connecting === 0) {
      this.heads.setWatched(head.room_id, false);
      return false;
    }
    if (!this.heads.has(head.room_id)) return false;
    const change = this.heads.apply(head, true);
    if (change) this.broadcast(this.log.append({ ...head, type: change }));
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

  /**
   * A room is about to accept a socket of this user: true when a place was taken, false when the
   * user holds `WS_MAX_SOCKETS_ACROSS_ROOMS` room sockets already (after asking the rooms for the
   * truth, when the counts may be stale: a room that crashed reports nothing).
   */
  async claimRoomSocket(roomId: number, userId: number): Promise<boolean> {
    const max = this.config.WS_MAX_SOCKETS_ACROSS_ROOMS;
    if (this.roomSockets.claim(roomId, max)) return true;
    if (!this.roomSockets.mayReconcile()) return false;
    const rooms = this.roomSockets.rooms();
    const open = await Promise.all(
      rooms.map((id) =>
        roomStub(this.env, id)
          .openSocketsOf(userId)
          .catch(() => null),
      ),
    );
    rooms.forEach((id, i) => {
      const n = open[i];
      if (typeof n === "number") this.roomSockets.set(id, n);
    });
    return this.roomSockets.claim(roomId, max);
  }

  /** A room holds this many of the user's sockets now (one just closed). */
  async roomSocketsOpen(roomId: number, open: number) {
    this.roomSockets.set(roomId, open);
  }

  /** The user's tokens were revoked (4401; of `sessions` only, if given) or the account disabled or deleted (4403). */
  async closeAll(code: number, reason: string, sessions?: string[]) {
    for (const ws of ofSession(this.ctx.getWebSockets(), sessions)) {
      try {
        ws.close(code, reason);
      } catch {}
    }
  }

  private broadcast(data: string) {
    for (const ws of this.ctx.getWebSockets()) send(ws, data, this.flow);
  }
}

/** A send counted against the socket's window (a closing socket fails quietly). */
function send(ws: WebSocket, data: string, flow: SendWindow) {
  try {
    ws.send(data);
  } catch {
    return;
  }
  flow.sent(ws, data.length);
}

/** The token of a `{"type":"sync","token":…}` echo, or null for any other frame. */
function syncToken(data: string | ArrayBuffer): string | null {
  if (typeof data !== "string" || data.length > 100 || !data.includes('"sync"')) return null;
  try {
    const f = JSON.parse(data) as { type?: unknown; token?: unknown };
    return f.type === "sync" && typeof f.token === "string" ? f.token : null;
  } catch {
    return null;
  }
}
