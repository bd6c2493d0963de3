/**
 * Token bucket per socket: `perSecond` sustained, `burst` at once. Kept in memory on purpose:
 * a room only hibernates after being idle, by which time every bucket would be full again.
 */
export class RateLimiter {
  private readonly buckets = new Map<WebSocket, { tokens: number; at: number }>();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
  ) {}

  /** Takes one token; returns 0 when allowed, else the milliseconds until a token is available. */
  take(ws: WebSocket, now = Date.now()): number {
    const b = this.buckets.get(ws) ?? { tokens: this.burst, at: now };
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.perSecond);
    b.at = now;
    this.buckets.set(ws, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - b.tokens) / this.perSecond) * 1000);
  }

  forget(ws: WebSocket) {
    this.buckets.delete(ws);
  }
}
