/**
 * At most `perMinute` actions in any minute-long window (a sliding log of times). In memory: one
 * user's account object sees every request of that user, so the limit is exact per user; an
 * eviction only forgets a minute's worth of history.
 */
export class MinuteWindow {
  private readonly times: number[] = [];

  constructor(private readonly perMinute: number) {}

  /** 0 when allowed (and counted), else the milliseconds until one more would be. */
  take(now = Date.now()): number {
    while (this.times.length > 0 && (this.times[0] ?? 0) <= now - 60_000) this.times.shift();
    if (this.times.length >= this.perMinute) return (this.times[0] ?? now) + 60_000 - now;
    this.times.push(now);
    return 0;
  }
}
