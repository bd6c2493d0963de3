// Batching ceiling: the plain ceiling (ws-ceiling.ts) with Roomcast's per-turn batches. Frames that
// arrive for a room within one turn of Node's event loop leave as one frame per socket, a JSON
// array of the message bodies, once the turn's I/O callbacks have run (setImmediate) — the same
// idea as src/room/output.ts, without auth, storage or validation. A quiet room's single message
// still waits only for the end of its turn. permessage-deflate as in the plain ceiling.
import { createRequire } from "node:module";
import type { WebSocket as WsSocket } from "ws";

const { WebSocketServer } = createRequire(import.meta.url)("ws") as typeof import("ws");
type Room = { members: Set<WsSocket>; pending: string[] };
const rooms = new Map<string, Room>();
const wss = new WebSocketServer({
  host: "127.0.0.1",
  port: Number(process.argv[2] ?? 0),
  perMessageDeflate: true,
});

function flush(room: Room) {
  const frame = JSON.stringify(room.pending);
  room.pending = [];
  for (const peer of room.members) peer.send(frame);
}

wss.on("connection", (ws, req) => {
  const key = new URL(req.url ?? "/", "http://x").searchParams.get("room") ?? "";
  const room = rooms.get(key) ?? { members: new Set<WsSocket>(), pending: [] };
  rooms.set(key, room);
  room.members.add(ws);
  ws.on("message", (data) => {
    if (room.pending.length === 0) setImmediate(() => flush(room));
    room.pending.push(data.toString());
  });
  ws.on("close", () => room.members.delete(ws));
  ws.send("ready");
});
wss.on("listening", () => process.send?.({ port: (wss.address() as { port: number }).port }));
