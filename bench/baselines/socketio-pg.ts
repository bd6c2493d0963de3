// Typical peer: the chat server a Node developer would write instead — Socket.IO rooms, and one
// PostgreSQL INSERT per message before the broadcast (as the original FastAPI service did), on
// the same embedded PostgreSQL. A pg Pool of 10, as a default-minded deployment would have.
// permessage-deflate is accepted when a client offers it, with Socket.IO's defaults once enabled
// (context takeover: every frame is compressed).
import { createServer } from "node:http";
import { createRequire } from "node:module";
import pg from "pg";

const require = createRequire(import.meta.url);
const { Server } = require("socket.io") as typeof import("socket.io");
const [port, databaseUrl] = [Number(process.argv[2] ?? 0), process.argv[3] ?? ""];

const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });
await pool.query(
  "create table if not exists peer_messages (id bigserial primary key, room text not null, body text not null, created_at timestamptz not null default now())",
);

const http = createServer();
const io = new Server(http, { transports: ["websocket"], perMessageDeflate: true });
io.on("connection", (socket) => {
  const room = String(socket.handshake.query.room ?? "");
  void socket.join(room);
  socket.emit("joined");
  socket.on("message", async (body: string) => {
    const { rows } = await pool.query<{ id: string }>(
      "insert into peer_messages (room, body) values ($1, $2) returning id",
      [room, body],
    );
    io.to(room).emit("message", { id: Number(rows[0]?.id), body });
  });
});
http.listen(port, "127.0.0.1", () => process.send?.({ port: (http.address() as { port: number }).port }));
