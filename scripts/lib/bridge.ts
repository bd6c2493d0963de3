import { createServer, type Server } from "node:http";
import { createRequire } from "node:module";
import net from "node:net";
import { portTaken } from "./ports";

// Loaded through require: under vitest's module runner "ws" would resolve to its browser stub.
const { WebSocketServer } = createRequire(import.meta.url)("ws") as typeof import("ws");

export type Bridge = {
  port: number;
  /** Test-only: while down, every open connection is cut and new ones are refused. */
  setDown: (down: boolean) => void;
  close: () => Promise<void>;
};

/**
 * The local stand-in for Neon's WebSocket proxy: the Neon driver inside workerd opens
 * `ws://127.0.0.1:<port>/v2?address=host:port` and this pipes the WebSocket to that TCP address.
 * Only `target` (the local PostgreSQL) may be reached, and the bridge listens on loopback only.
 * With `control`, `GET /__bridge/down` and `/__bridge/up` simulate a database outage (tests).
 * A taken `port` is a SetupError saying so, followed by `portRemedy`.
 */
export async function startBridge(
  target: string,
  opts: { port?: number; control?: boolean; portRemedy?: string } = {},
): Promise<Bridge> {
  const sockets = new Set<net.Socket>();
  let down = false;
  const setDown = (value: boolean) => {
    down = value;
    if (down) for (const s of sockets) s.destroy();
  };
  const http: Server = createServer((req, res) => {
    if (opts.control && (req.url === "/__bridge/down" || req.url === "/__bridge/up")) {
      setDown(req.url.endsWith("down"));
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ down }));
      return;
    }
    res.writeHead(426).end("WebSocket only");
  });
  // Listening before the WebSocket server attaches: it re-emits server errors as its own.
  await new Promise<void>((resolve, reject) => {
    http.once("error", (err: NodeJS.ErrnoException) =>
      reject(
        err.code === "EADDRINUSE" && opts.port
          ? portTaken(opts.port, "database bridge", opts.portRemedy ?? "stop what uses it and run again")
          : err,
      ),
    );
    http.listen(opts.port ?? 0, "127.0.0.1", resolve);
  });
  const addressOf = (url: string | undefined) =>
    new URL(url ?? "/", "http://bridge").searchParams.get("address");
  const wss = new WebSocketServer({
    server: http,
    // Refused at the handshake, as an unreachable database would be.
    verifyClient: ({ req }, done) => {
      if (down) done(false, 503, "database down");
      else if (addressOf(req.url) !== target) done(false, 403, "address not allowed");
      else done(true);
    },
  });
  wss.on("connection", (ws) => {
    const colon = target.lastIndexOf(":");
    const tcp = net.connect(Number(target.slice(colon + 1)), target.slice(0, colon));
    sockets.add(tcp);
    const pending: Buffer[] = [];
    tcp.on("connect", () => {
      for (const chunk of pending.splice(0)) tcp.write(chunk);
    });
    ws.on("message", (data: Buffer) => (tcp.connecting ? pending.push(data) : tcp.write(data)));
    tcp.on("data", (chunk) => ws.send(chunk));
    tcp.on("close", () => {
      sockets.delete(tcp);
      ws.close();
    });
    tcp.on("error", () => ws.terminate());
    ws.on("close", () => tcp.destroy());
    ws.on("error", () => tcp.destroy());
  });
  return {
    port: (http.address() as net.AddressInfo).port,
    setDown,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        for (const c of wss.clients) c.terminate();
        wss.close();
        http.close(() => resolve());
      }),
  };
}
