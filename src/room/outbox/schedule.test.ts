import { describe, expect, it } from "vitest";
import type { Outbox } from "./outbox";
import { CopySchedule } from "./schedule";

/** Storage as the schedule sees it: `sync` resolves when the test says the writes are durable. */
function storage() {
  const log: string[] = [];
  let durable = () => {};
  const s = {
    sync: () => {
      log.push("sync");
      return new Promise<void>((r) => {
        durable = r;
      });
    },
    setAlarm: async (_at: number, options?: { allowUnconfirmed?: boolean }) => {
      log.push(`alarm${options?.allowUnconfirmed ? " (unconfirmed)" : ""}`);
    },
  };
  return { s: s as unknown as DurableObjectStorage, log, durable: () => durable() };
}

const outbox = { backlog: 0, retryDelayMs: 500, flush: async () => "done" } as unknown as Outbox;
const turn = () => new Promise((r) => setTimeout(r, 0));

describe("the copy's schedule", () => {
  // workerd hands an alarm moved earlier to its alarm manager before the commit it is part of:
  // set in the event's own turn, it made every quiet message's frames wait for a second fsync.
  it("sets the alarm once the event's write is durable, not in the event's commit", async () => {
    const { s, log, durable } = storage();
    const copies = new CopySchedule(s, outbox);
    copies.kick();
    copies.kick();
    await turn();
    expect(log).toEqual(["sync"]);
    durable();
    await turn();
    expect(log).toEqual(["sync", "alarm (unconfirmed)"]);
    copies.kick(); // due already: nothing more to write
    await turn();
    expect(log).toEqual(["sync", "alarm (unconfirmed)"]);
  });

  it("sets no alarm for writes of a room whose storage was wiped meanwhile", async () => {
    const { s, log, durable } = storage();
    const copies = new CopySchedule(s, outbox);
    copies.kick();
    copies.forget();
    durable();
    await turn();
    expect(log).toEqual(["sync"]);
  });
});
