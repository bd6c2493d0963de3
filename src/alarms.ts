/** The two alarm calls the helpers below use (a Durable Object's `ctx.storage`). */
export type AlarmStorage = Pick<DurableObjectStorage, "getAlarm" | "setAlarm">;

/**
 * Wakes the object no later than `at`: an earlier alarm already set stays. (Inside `alarm()`,
 * `getAlarm` answers null unless something set a new alarm since the run began.)
 */
export async function wakeBy(storage: AlarmStorage, at: number): Promise<void> {
  const current = await storage.getAlarm();
  if (current === null || current > at) await storage.setAlarm(at);
}

/**
 * One alarm run of an object whose work list is durable (its SQLite or PostgreSQL). `run` answers
 * when to come back, or null when nothing is left. When it throws (PostgreSQL or a peer
 * unreachable), nothing was lost: the failure is logged as `<label>: run failed, retrying in N ms`
 * and the object comes back after `retryMs` (a number, or a function of the failure count the
 * caller keeps). An earlier alarm set during the run (new work) is kept either way.
 */
export async function runAlarm(
  storage: AlarmStorage,
  label: string,
  run: () => Promise<number | null>,
  retryMs: number | (() => number),
): Promise<void> {
  let next: number | null;
  try {
    next = await run();
  } catch (err) {
    const wait = typeof retryMs === "number" ? retryMs : retryMs();
    console.error(`${label}: run failed, retrying in ${wait} ms`, err);
    next = Date.now() + wait;
  }
  if (next !== null) await wakeBy(storage, Math.max(next, Date.now()));
}
