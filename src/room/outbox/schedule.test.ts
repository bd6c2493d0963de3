import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Outbox } from "./outbox";
import { CopySchedule } from "./schedule";

const T0 = 1_800_000_000_000;
beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(T0);
});
afterEach(() => vi.useRealTimers());
/** The clock moves on by `ms`. */
const elapse = (ms: number) => vi.setSystemTime(Date.now() + ms);

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
    setAlarm: async (at: number, options?: { allowUnconfirmed?: boolean }) => {
      log.push(`alarm +${at - T0}${options?.allowUnconfirmed ? " (unconfirmed)" : ""}`);
    },
  };
  return { s: s as unknown as DurableObjectStorage, log, durable: () => durable() };
}

/**
 * An outbox holding `backlog` events until a copy takes them all; the copy records them as
 * `Timeline.markFlushed` does ("recorded", then its listener, in the same turn) and says `outcome`.
 */
function outbox(log: string[], backlog = 1) {
  let flushed = () => {};
  const box = {
    backlog,
    retryDelayMs: 500,
    outcome: "done",
    whenFlushed: (listener: () => void) => {
      flushed = listener;
    },
    flush: async () => {
      if (box.backlog > 0) {
        log.push("recorded");
        flushed();
      }
      if (box.outcome === "done") box.backlog = 0;
      return box.outcome;
    },
  };
  return box as unknown as Outbox & { backlog: number; outcome: string };
}
const turn = () => new Promise((r) => setTimeout(r, 0));

describe("the copy's schedule: the first alarm", () => {
  // With no alarm pending, nothing else would copy the event if the object died a moment later.
  it("sets the first alarm in the event's own commit", async () => {
    const { s, log } = storage();
    const copies = new CopySchedule(s, outbox(log));
    copies.kick();
    copies.kick();
    await turn();
    expect(log).toEqual(["alarm +50"]);
  });
});

describe("the copy's schedule: the backstop", () => {
  // workerd hands an alarm moved earlier to its alarm manager before the commit it is part of:
  // set in the event's own turn, it made every quiet message's frames wait for a second fsync.
  it("after a copy keeps a backstop in the copy's commit, and moves it earlier once the next event is durable", async () => {
    const { s, log, durable } = storage();
    const box = outbox(log);
    const copies = new CopySchedule(s, box);
    copies.kick();
    elapse(50);
    await copies.run();
    // The backstop, written in the turn that records the copy (not a commit of its own).
    expect(log).toEqual(["alarm +50", "recorded", "alarm +60050 (unconfirmed)"]);
    elapse(2000); // not paced: the next event came after the busy interval
    box.backlog = 1;
    copies.kick();
    copies.kick();
    await turn();
    expect(log.slice(3)).toEqual(["sync"]);
    durable();
    await turn();
    expect(log.slice(3)).toEqual(["sync", "alarm +2100 (unconfirmed)"]);
    copies.kick(); // due already: nothing more to write
    await turn();
    expect(log).toHaveLength(5);
    elapse(50);
    await copies.run();
    expect(log.slice(5)).toEqual(["recorded", "alarm +62100 (unconfirmed)"]);
  });

  it("does not renew the backstop when it fires with nothing to copy", async () => {
    const { s, log } = storage();
    const box = outbox(log);
    const copies = new CopySchedule(s, box);
    copies.kick();
    expect(copies.quietWake()).toBe(false); // the alarm fires: an event waits
    await copies.run();
    elapse(60_000);
    expect(copies.quietWake()).toBe(true); // the backstop fires: nothing waits
    expect(log).toEqual(["alarm +50", "recorded", "alarm +60000 (unconfirmed)"]);
    box.backlog = 1;
    copies.kick(); // no alarm pending any more: in the event's commit again
    expect(log.at(-1)).toBe("alarm +60050");
  });
});

/** A room whose second copy came within the busy interval of its first (paced): at +1050. */
async function pacedRoom() {
  const { s, log, durable } = storage();
  const box = outbox(log);
  const copies = new CopySchedule(s, box);
  copies.kick();
  elapse(50);
  await copies.run(); // the first copy: backstop at +60050
  elapse(300);
  box.backlog = 1;
  copies.kick(); // held back by the busy interval: due at +1050
  durable();
  await turn();
  elapse(700);
  await copies.run(); // paced
  return { log, box, copies };
}

describe("the copy's schedule: a room that copies every second", () => {
  // Two fsyncs fewer per copy: no alarm moved earlier from an event's turn, no backstop written.
  it("leaves the alarm at the next copy's earliest time, and the events until then write none", async () => {
    const { log, box, copies } = await pacedRoom();
    expect(log.slice(3)).toEqual([
      "sync",
      "alarm +1050 (unconfirmed)",
      "recorded",
      "alarm +2050 (unconfirmed)", // in the copy's commit
    ]);
    for (const ms of [100, 400, 300]) {
      elapse(ms);
      box.backlog += 1;
      copies.kick();
      await turn();
    }
    expect(log).toHaveLength(7); // no sync, no alarm
    elapse(200);
    expect(copies.quietWake()).toBe(false);
    await copies.run(); // at +2050, three events: still paced
    expect(log.slice(7)).toEqual(["recorded", "alarm +3050 (unconfirmed)"]);
  });

  it("renews the backstop when that alarm finds nothing, so that the next event moves it off its turn", async () => {
    const { log, box, copies } = await pacedRoom();
    elapse(1000);
    expect(copies.quietWake()).toBe(true); // +2050: nothing came
    expect(log.slice(7)).toEqual(["alarm +62050 (unconfirmed)"]);
    elapse(5000);
    box.backlog = 1;
    copies.kick();
    expect(log.slice(8)).toEqual(["sync"]);
  });

  it("leaves no alarm after the renewed backstop's own wake", async () => {
    const { log, box, copies } = await pacedRoom();
    elapse(1000);
    expect(copies.quietWake()).toBe(true);
    elapse(60_000);
    expect(copies.quietWake()).toBe(true); // +62050: the backstop fires, nothing came
    box.backlog = 1;
    copies.kick(); // no alarm pending: in the event's own commit
    expect(log.slice(7)).toEqual(["alarm +62050 (unconfirmed)", "alarm +62100"]);
  });
});

describe("the copy's schedule: a failed copy", () => {
  it("retries after the backoff, not at the alarm the copy had left", async () => {
    const { log, box, copies } = await pacedRoom();
    elapse(500);
    box.backlog = 2;
    copies.kick(); // paced, the alarm at +2050 pending: nothing written
    box.outcome = "failed";
    elapse(500);
    await copies.run(); // at +2050: one batch recorded (its alarm +3050), then the copy failed
    expect(log.slice(7)).toEqual(["recorded", "alarm +3050 (unconfirmed)", "alarm +2550"]);
    expect(copies.quietWake()).toBe(false);
  });
});

describe("the copy's schedule: a wiped room", () => {
  it("sets no alarm for writes of a room whose storage was wiped meanwhile", async () => {
    const { s, log, durable } = storage();
    const box = outbox(log);
    const copies = new CopySchedule(s, box);
    copies.kick();
    await copies.run();
    box.backlog = 1;
    elapse(2000);
    copies.kick();
    copies.forget();
    durable();
    await turn();
    expect(log).toEqual(["alarm +50", "recorded", "alarm +60000 (unconfirmed)", "sync"]);
  });
});
