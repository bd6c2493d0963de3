// The runtime's own floor for an idle socket (bench/probes/idle-memory.ts): a worker that hands
// every upgrade to a Durable Object, which accepts it as a hibernatable WebSocket and keeps no
// state of its own. Speaks the bench's ceiling protocol (`/?room=…`, "ready" once accepted), so
// the bench's load clients can hold its sockets. With the binding ATTACH = "1", every socket also
// gets Roomcast's tags and an attachment of Roomcast's shape and size (50 users, as the bench's),
// to see what those cost the runtime. With DIRECT = "1" the worker accepts the socket itself (not
// hibernatable, no object): the cost of a connection without the hop to an object. With STORE =
// "1", every message is first appended to the object's SQLite (one INSERT, as a room's event
// row): the runtime's own floor for durable before visible (bench/probes/quiet-floor.ts).
import { DurableObject } from "cloudflare:workers";

const TAGS = ["batch", "v2", "sync"];
let accepted = 0;

export class Floor extends DurableObject {
  fetch() {
    const { 0: client, 1: server } = new WebSocketPair();
    const attach = this.env.ATTACH === "1";
    const id = ++accepted % 50;
    this.ctx.acceptWebSocket(server, attach ? [`u:${id}`, ...TAGS] : []);
    if (attach) {
      const user = { id, username: `bench-user-${String(id).padStart(2, "0")}` };
      server.serializeAttachment({ user, isAdmin: false, sessionId: crypto.randomUUID() });
    }
    server.send("ready");
    return new Response(null, { status: 101, webSocket: client });
  }

  webSocketMessage(_ws, message) {
    if (this.env.STORE === "1") {
      const sql = this.ctx.storage.sql;
      sql.exec("CREATE TABLE IF NOT EXISTS log (seq INTEGER PRIMARY KEY, body TEXT NOT NULL)");
      sql.exec("INSERT INTO log (body) VALUES (?)", message);
    }
    // The output gate holds these until the INSERT is durable.
    for (const other of this.ctx.getWebSockets()) other.send(message);
  }
}

export default {
  fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/health") return new Response("ok");
    if (env.DIRECT === "1") {
      const { 0: client, 1: server } = new WebSocketPair();
      server.accept();
      server.send("ready");
      return new Response(null, { status: 101, webSocket: client });
    }
    const room = url.searchParams.get("room") ?? "";
    return env.FLOOR.get(env.FLOOR.idFromName(room)).fetch(request);
  },
};
