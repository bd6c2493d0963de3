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

/** An outbox holding `backlog` events until a copy takes them all. */
function outbox(backlog = 1) {
  const box = {
    backlog,
    retryDelayMs: 500,
    flush: async () => {
      box.backlog = 0;
      return "done";
    },
  };
  return box as unknown as Outbox & { backlog: number };
}
const turn = () => new Promise((r) => setTimeout(r, 0));

describe("the copy's schedule: the first alarm", () => {
  // With no alarm pending, nothing else would copy the event if the object died a moment later.
  it("sets the first alarm in the event's own commit", async () => {
    const { s, log } = storage();
    const copies = new CopySchedule(s, outbox());
    copies.kick();
    copies.kick();
    await turn();
    expect(log).toEqual(["alarm"]);
  });
});

describe("the copy's schedule: the backstop", () => {
  // workerd hands an alarm moved earlier to its alarm manager before the commit it is part of:
  // set in the event's own turn, it made every quiet message's frames wait for a second fsync.
  it("after a copy keeps a backstop, and moves it earlier once the next event is durable", async () => {
    const { s, log, durable } = storage();
    const box = outbox();
    const copies = new CopySchedule(s, box);
    copies.kick();
    await copies.run();
    expect(log).toEqual(["alarm", "alarm (unconfirmed)"]); // the backstop
    box.backlog = 1;
    copies.kick();
    copies.kick();
    await turn();
    expect(log.slice(2)).toEqual(["sync"]);
    durable();
    await turn();
    expect(log.slice(2)).toEqual(["sync", "alarm (unconfirmed)"]);
    copies.kick(); // due already: nothing more to write
    await turn();
    expect(log).toHaveLength(4);
  });

  it("does not renew the backstop when it fires with nothing to copy", async () => {
    const { s, log } = storage();
    const box = outbox();
    const copies = new CopySchedule(s, box);
    copies.kick();
    expect(copies.quietWake()).toBe(false); // the alarm fires: an event waits
    await copies.run();
    expect(copies.quietWake()).toBe(true); // the backstop fires: nothing waits
    expect(log).toEqual(["alarm", "alarm (unconfirmed)"]);
    box.backlog = 1;
    copies.kick(); // no alarm pending any more: in the event's commit again
    expect(log).toEqual(["alarm", "alarm (unconfirmed)", "alarm"]);
  });
});

describe("the copy's schedule: a wiped room", () => {
  it("sets no alarm for writes of a room whose storage was wiped meanwhile", async () => {
    const { s, log, durable } = storage();
    const box = outbox();
    const copies = new CopySchedule(s, box);
    copies.kick();
    await copies.run();
    box.backlog = 1;
    copies.kick();
    copies.forget();
    durable();
    await turn();
    expect(log).toEqual(["alarm", "alarm (unconfirmed)", "sync"]);
  });
});
