import { afterEach } from "vitest";
import { closeAllInboxes } from "./inbox-socket";
import { closeAllSockets } from "./socket";

// A failing assertion must not leak its sockets into the next test (they would keep rooms busy).
afterEach(() => {
  closeAllSockets();
  closeAllInboxes();
});
