/**
 * The WebSocket constructor a RoomSocket or an Inbox uses: the one passed in, else the platform's own.
 * Without either, partysocket would print advice for another product and retry forever, so a
 * script would hang; this fails at once, saying what to do.
 */
export function resolveWebSocket(given: typeof WebSocket | undefined): typeof WebSocket {
  const found = given ?? (globalThis as { WebSocket?: typeof WebSocket }).WebSocket;
  if (typeof found === "function") return found;
  throw Object.assign(
    new TypeError(
      "roomcast-client: no WebSocket implementation on this platform (Node.js has one built in " +
        "from version 22). Run on Node.js ≥ 22 (in a Roomcast clone, `npx node <script>` runs its " +
        'Node 24), or pass one: new RoomSocket({ …, WebSocket }) with import { WebSocket } from "ws".',
    ),
    { code: "no_websocket" },
  );
}
