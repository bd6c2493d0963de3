// Ceiling baseline: the most a Node WebSocket fan-out does on this machine. A minimal broadcast
// server on `ws`: no auth, no persistence, no validation. Each text frame goes to every socket of
// the sender's room, the sender included (as Roomcast does). permessage-deflate is accepted when a
// client offers it, with `ws`'s defaults (context takeover: every frame is compressed).
import { createRequire } from "node:module";
import type { WebSocket as WsSocket } from "ws";

const { WebSocketServer } = createRequire(import.meta.url)("ws") as typeof import("ws");
const rooms = new Map<string, Set<WsSocket>>();
const wss = new WebSocketServer({
  host: "127.0.0.1",
  port: Number(process.argv[2] ?? 0),
  perMessageDeflate: true,
});

wss.on("connection", (ws, req) => {
  const room = new URL(req.url ?? "/", "http://x").searchParams.get("room") ?? "";
  const members = rooms.get(room) ?? new Set<WsSocket>();
  rooms.set(room, members);
  members.add(ws);
  ws.on("message", (data, isBinary) => {
    for (const peer of members) peer.send(data, { binary: isBinary });
  });
  ws.on("close", () => members.delete(ws));
  ws.send("ready");
});
wss.on("listening", () => process.send?.({ port: (wss.address() as { port: number }).port }));
