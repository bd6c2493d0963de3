import { createRequire } from "node:module";
import type { Socket } from "socket.io-client";

const require = createRequire(import.meta.url);
const WebSocket = require("ws") as typeof import("ws").WebSocket;
const { io } = require("socket.io-client") as typeof import("socket.io-client");

/** What a load client needs to know to reach one room of one server. */
export type Endpoint =
  | { kind: "roomcast"; port: number; roomId: number; token: string; batch: boolean }
  | { kind: "roomcast-client"; port: number; roomId: number; token: string }
  | { kind: "ceiling"; port: number; room: string }
  | { kind: "ceiling-batch"; port: number; room: string }
  | { kind: "peer"; port: number; room: string };

/** A delivered chat message, as the load client sees it. `seq` only where the server assigns one. */
export type Delivery = { body: string; seq: number | null };

/** An open client connection; `deflate` tells whether permessage-deflate was negotiated. */
export type Conn = { send: (body: string) => void; close: () => void; deflate: boolean };

/**
 * What a browser offers: `permessage-deflate; client_max_window_bits`, and then every frame it
 * sends is compressed. `ws` does the same with context takeover (its 1 KiB threshold only applies
 * when `*_no_context_takeover` was negotiated).
 */
const BROWSER_DEFLATE = {};

const negotiated = (extensions: string | undefined) => (extensions ?? "").includes("permessage-deflate");

/**
 * Opens one client connection to a room. Resolves once the server has accepted it (for
 * Roomcast: after the `ready` frame), so that timing starts with every client connected.
 * With `deflate`, the client offers permessage-deflate as every browser does.
 */
export function connect(ep: Endpoint, deflate: boolean, onMessage: (d: Delivery) => void): Promise<Conn> {
  const perMessageDeflate = deflate ? BROWSER_DEFLATE : false;
  if (ep.kind === "roomcast-client") return connectTyped(ep, onMessage);
  if (ep.kind === "peer") {
    return new Promise((resolve, reject) => {
      const s: Socket = io(`http://127.0.0.1:${ep.port}`, {
        transports: ["websocket"],
        query: { room: ep.room },
        reconnection: false,
        // Per transport, where `false` is accepted: engine.io's client offers deflate by default.
        transportOptions: { websocket: { perMessageDeflate } },
      });
      s.on("message", (m: { body: string; id: number }) => onMessage({ body: m.body, seq: null }));
      s.once("joined", () => {
        const ws = (s.io.engine.transport as unknown as { ws?: { extensions?: string } }).ws;
        resolve({
          send: (body) => s.emit("message", body),
          close: () => s.close(),
          deflate: negotiated(ws?.extensions),
        });
      });
      s.once("connect_error", reject);
    });
  }
  const url =
    ep.kind === "roomcast"
      ? `ws://127.0.0.1:${ep.port}/ws/${ep.roomId}?token=${ep.token}${ep.batch ? "&batch=1" : ""}`
      : `ws://127.0.0.1:${ep.port}/?room=${encodeURIComponent(ep.room)}`;
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate });
    const conn: Conn = {
      send: (body) =>
        ws.send(ep.kind === "roomcast" ? JSON.stringify({ type: "message.send", content: body }) : body),
      close: () => ws.close(),
      deflate: false,
    };
    const ready = () => resolve({ ...conn, deflate: negotiated(ws.extensions) });
    ws.on("error", reject);
    ws.on("message", (raw: Buffer) => {
      const text = raw.toString();
      if (ep.kind === "ceiling" || ep.kind === "ceiling-batch") {
        if (text === "ready") return ready();
        if (ep.kind === "ceiling") return onMessage({ body: text, seq: null });
        for (const body of JSON.parse(text) as string[]) onMessage({ body, seq: null });
        return;
      }
      type Frame = { type: string; content?: string; seq?: number; code?: string };
      const parsed = JSON.parse(text) as Frame | Frame[];
      for (const f of Array.isArray(parsed) ? parsed : [parsed]) {
        if (f.type === "ready") ready();
        else if (f.type === "message") onMessage({ body: f.content ?? "", seq: f.seq ?? null });
        else if (f.type === "error") console.error(`roomcast error frame: ${f.code}`);
      }
    });
  });
}

/** The part of client/'s `RoomSocket` the bench drives. */
type TypedRoomSocket = new (options: {
  baseUrl: string;
  roomId: number;
  token: string;
}) => {
  on: (event: "event", listener: (e: { type: string; content?: string; seq: number }) => void) => void;
  whenReady: () => Promise<unknown>;
  send: (content: string) => Promise<unknown>;
  close: () => void;
};
// Loaded by a path tsc does not follow: the client's sources type-check against the DOM's
// WebSocket types (client/tsconfig.json), not this project's Node ones.
const CLIENT_MODULE = "../../client/src/index.ts";

/**
 * The shipped typed client (`RoomSocket` of client/, the package an app installs): batches asked
 * for, the token in the subprotocol, every send with its own `client_id` through the client's
 * outbox (its default window: up to 16 on the wire before their acks, ordered sends), on the platform's own WebSocket
 * (Node's built-in one; the load process is started with it enabled where it is still a flag).
 */
async function connectTyped(
  ep: Extract<Endpoint, { kind: "roomcast-client" }>,
  onMessage: (d: Delivery) => void,
): Promise<Conn> {
  const { RoomSocket } = (await import(CLIENT_MODULE)) as { RoomSocket: TypedRoomSocket };
  const room = new RoomSocket({ baseUrl: `http://127.0.0.1:${ep.port}`, roomId: ep.roomId, token: ep.token });
  room.on("event", (e) => {
    if (e.type === "message") onMessage({ body: e.content ?? "", seq: e.seq });
  });
  await room.whenReady();
  return {
    send: (body) =>
      void room.send(body).catch((err: unknown) => console.error(`roomcast-client send: ${String(err)}`)),
    close: () => room.close(),
    // Node's WebSocket offers permessage-deflate; the production line declines it (wrangler.toml).
    deflate: false,
  };
}
