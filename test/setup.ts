import { afterEach } from "vitest";
import { endExpectations, isExpected } from "./expected-logs";
import { closeAllInboxes } from "./inbox-socket";
import { closeAllSockets } from "./socket";

// A failing assertion must not leak its sockets into the next test (they would keep rooms busy).
afterEach(() => {
  closeAllSockets();
  closeAllInboxes();
});

// Lines a test said it causes on purpose (expectLogs) are kept out of the output; others print.
for (const level of ["log", "info", "warn", "error"] as const) {
  const print = console[level].bind(console);
  console[level] = (...args: unknown[]) => {
    if (!isExpected(args)) print(...args);
  };
}
afterEach(() => {
  endExpectations();
});
