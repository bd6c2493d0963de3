import { WebSocket as ReconnectingWebSocket } from "partysocket";
import { SUBPROTOCOL } from "../../src/protocol/handshake";
import { RoomcastApi } from "./api";
import { type CloseReason, closeReason, isFinal } from "./close";
import { Emitter } from "./emitter";
import { resolveWebSocket } from "./websocket";

/** Reconnect delays: first delay, ceiling and growth (ms, ms, factor). */
export type Backoff = { minMs?: number; maxMs?: number; factor?: number };

/** What every live connection (a room's, the inbox's) is configured with. */
export type ChannelOptions = {
  /** `http(s)://` base of the server; the socket goes to its `ws(s)://` twin. */
  baseUrl: string;
  /** The access token, or a function read before every connection attempt. */
  token: string | (() => string | Promise<string>);
  /**
   * Called when the server refuses the token (close 4401): return a new token to reconnect with,
   * or null to stop for good (`closed` with reason `unauthorized`).
   */
  refreshToken?: () => Promise<string | null>;
  backoff?: Backoff;
  /**
   * A WebSocket constructor, if the platform has no global one (Node < 22: `ws`'s). Without
   * either, the constructor throws a TypeError with `code: "no_websocket"` at once.
   */
  WebSocket?: typeof WebSocket;
  /** Resume from here (a `seq` and `epoch` you stored) instead of starting fresh. */
  resumeFrom?: { seq: number; epoch: string };
};

/** Connection state changes; `reason` says why a socket closed. */
export type ChannelStatus = {
  state: "connecting" | "open" | "reconnecting" | "closed";
  reason?: CloseReason;
  code?: number;
};

/** The events every channel emits; each subclass adds its own. */
export type ChannelEvents = {
  status: ChannelStatus;
  /** Stopped for good. */
  closed: { reason: CloseReason; code: number; message: string };
};

/** Where a channel connects and how it paces reconnects (fixed per kind of channel). */
export type ChannelRoute = {
  path: string;
  /** Query parameters beyond the resume position. */
  query?: Record<string, string>;
  /** Random extra delay before each reconnect, so clients do not come back in lockstep. */
  jitterMs?: number;
  /** How long a connection must stay up before the backoff starts over (partysocket's default: 5 s). */
  minUptimeMs?: number;
  /** Protocol versions offered, newest first (default: `roomcast.v1`); the server picks one. */
  subprotocols?: readonly string[];
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One live connection's lifecycle, shared by `RoomSocket` and `Inbox`: a fresh token before every
 * attempt (in the subprotocol), reconnects with backoff (partysocket), resume with
 * `since`/`epoch`, one refresh on close 4401, and a stop for good on a final close code.
 * Subclasses read frames (`onData`) and move the resume position with `advance`.
 */
export abstract class Channel<Events extends ChannelEvents> extends Emitter<Events> {
  /** The resume position: the last `seq` seen and the channel's epoch. */
  lastSeq: number | null = null;
  epoch: string | null = null;
  protected stopped = false;
  /** The token of the current connection (REST calls made for it use the same). */
  protected token: string | null = null;
  protected readonly ws: ReconnectingWebSocket;
  /** No reconnect before this time (ms since the epoch): a refusal's `retry_after_ms`. */
  protected holdUntil = 0;
  private readonly api: RoomcastApi;

  constructor(
    private readonly options: ChannelOptions,
    private readonly route: ChannelRoute,
  ) {
    super();
    if (options.resumeFrom) {
      this.lastSeq = options.resumeFrom.seq;
      this.epoch = options.resumeFrom.epoch;
    }
    const WebSocketImpl = resolveWebSocket(options.WebSocket);
    this.api = new RoomcastApi(options.baseUrl);
    const { minMs = 500, maxMs = 15_000, factor = 1.6 } = options.backoff ?? {};
    this.ws = new ReconnectingWebSocket(
      () => this.nextUrl(),
      () => this.nextProtocols(),
      {
        minReconnectionDelay: minMs,
        maxReconnectionDelay: maxMs,
        reconnectionDelayGrowFactor: factor,
        ...(route.minUptimeMs === undefined ? {} : { minUptime: route.minUptimeMs }),
        connectionTimeout: 10_000,
        WebSocket: WebSocketImpl,
        // Final closes stop here; 4401 is decided by refreshToken in onClose.
        shouldReconnectOnClose: (e) => {
          const reason = closeReason(e.code);
          return !isFinal(reason) && reason !== "unauthorized" && !this.stopped;
        },
      },
    );
    this.ws.addEventListener("message", (e) => this.onData(e.data));
    this.ws.addEventListener("open", () => this.lifecycle("status", { state: "open" }));
    this.ws.addEventListener("close", (e) => void this.onClose(e.code, e.reason));
    this.lifecycle("status", { state: "connecting" });
  }

  /** Drops the current connection as a network failure would; the channel reconnects and resumes. */
  dropConnection() {
    this.ws.reconnect(4000, "dropped by the client");
  }

  /** Closes for good (a room socket's pending sends are rejected). */
  close() {
    this.stop("closed", 1000, "closed by the client");
    this.ws.close(1000, "bye");
  }

  /** One frame (or batch) from the server. */
  protected abstract onData(data: unknown): void;

  /** Each connection's end, before anything else is decided. */
  protected onDisconnect(): void {}

  /** Once, when the channel stops for good, before `closed` is emitted. */
  protected onStop(_reason: CloseReason): void {}

  /** Moves the resume position to `seq`; false if it was seen already (drop the frame). */
  protected advance(seq: number): boolean {
    if (this.lastSeq !== null && seq <= this.lastSeq) return false;
    this.lastSeq = seq;
    return true;
  }

  /**
   * Answers a flow-control marker once everything before it was handled (frames are handled in
   * order, so: when it is reached). True if `frame` was one.
   */
  protected echo(frame: { type: string }): boolean {
    if (frame.type !== "sync") return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  /** The REST client, signed in with the current connection's token. */
  protected rest(): RoomcastApi {
    this.api.token = this.token;
    return this.api;
  }

  private async nextUrl(): Promise<string> {
    // partysocket's backoff grows deterministically; jitter keeps many clients from reconnecting
    // in lockstep after a server restart.
    const { jitterMs = 0 } = this.route;
    if (jitterMs > 0 && this.ws?.retryCount > 0) await sleep(Math.random() * jitterMs);
    if (this.holdUntil > Date.now()) await sleep(this.holdUntil - Date.now());
    const url = new URL(this.route.path, this.options.baseUrl);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    if (this.lastSeq !== null) url.searchParams.set("since", String(this.lastSeq));
    if (this.lastSeq !== null && this.epoch) url.searchParams.set("epoch", this.epoch);
    for (const [name, value] of Object.entries(this.route.query ?? {})) url.searchParams.set(name, value);
    // Flow control: the server's `sync` markers are echoed (`echo`), so a slow link is told
    // apart from a client that stopped reading (docs/protocol.md, "Flow control").
    url.searchParams.set("sync", "1");
    return url.toString();
  }

  private async nextProtocols(): Promise<string[]> {
    const { token } = this.options;
    if (typeof token === "function") this.token = await token();
    else this.token ??= token;
    // The token rides in the subprotocol: browsers cannot set headers on a WebSocket, and a query
    // string ends up in logs. The server answers with one version of those offered.
    return [...(this.route.subprotocols ?? [SUBPROTOCOL]), `bearer.${this.token}`];
  }

  private async onClose(code: number, message: string) {
    this.onDisconnect();
    if (this.stopped) return;
    const reason = closeReason(code);
    if (reason === "unauthorized") {
      const fresh = (await this.options.refreshToken?.()) ?? null;
      if (fresh && !this.stopped) {
        this.token = fresh;
        this.lifecycle("status", { state: "reconnecting", reason, code });
        this.ws.reconnect();
        return;
      }
      return this.stop(reason, code, message);
    }
    if (isFinal(reason)) return this.stop(reason, code, message);
    this.lifecycle("status", { state: "reconnecting", reason, code });
  }

  private stop(reason: CloseReason, code: number, message: string) {
    if (this.stopped) return;
    this.stopped = true;
    this.onStop(reason);
    this.lifecycle("status", { state: "closed", reason, code });
    this.lifecycle("closed", { reason, code, message });
  }

  /** `emit` for the events every channel has (TypeScript cannot narrow `Events[K]` here). */
  private lifecycle<K extends keyof ChannelEvents>(type: K, payload: ChannelEvents[K]) {
    (this.emit as (type: K, payload: ChannelEvents[K]) => void)(type, payload);
  }
}
