import { describe, expect, it } from "vitest";
import { closeByRoom, closedByRoom } from "./close";

/** A socket stand-in whose attachment is `full` (the runtime refuses a larger one) or takes the mark. */
function socket(full: boolean) {
  let attachment: unknown = { user: { id: 1, username: "bob" } };
  const ws = {
    closed: null as number | null,
    deserializeAttachment: () => attachment,
    serializeAttachment: (v: unknown) => {
      if (full) throw new Error("attachment too large");
      attachment = v;
    },
    close: (code: number) => {
      ws.closed = code;
    },
  };
  return ws as typeof ws & WebSocket;
}

describe("a socket the room closes itself", () => {
  it("is known as closed by the room, whether or not its attachment could take the mark", () => {
    for (const full of [false, true]) {
      const ws = socket(full);
      expect(closedByRoom(ws)).toBe(false);
      closeByRoom(ws, 4408, "too slow");
      expect([ws.closed, closedByRoom(ws)]).toEqual([4408, true]);
    }
  });
});
