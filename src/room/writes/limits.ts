import type { Config } from "../../env";
import { rateLimited } from "../../errors";

/**
 * Token bucket per key: `perSecond` sustained, `burst` at once. Kept in memory on purpose: a room
 * only hibernates after being idle, by which time every bucket would be full again.
 */
export class TokenBuckets<K> {
  private readonly buckets = new Map<K, { tokens: number; at: number }>();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
  ) {}

  /** Takes one token; returns 0 when allowed, else the milliseconds until a token is available. */
  take(key: K, now = Date.now()): number {
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.perSecond);
    b.at = now;
    this.buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - b.tokens) / this.perSecond) * 1000);
  }
}

export type LimitedAction = "write" | "react" | "read" | "typing";

/**
 * What one user may do in one room, shared by every socket of theirs and by REST: each action a
 * client can repeat costs a token of its kind, so five sockets get no more than one, and nothing
 * one user sends costs another. Writes are sends, edits and deletes.
 */
export class UserLimits {
  private readonly buckets: Record<LimitedAction, TokenBuckets<number>>;
  private readonly describe: Record<LimitedAction, string>;

  constructor(config: Config) {
    const perSecond = config.WS_SENDS_PER_SECOND;
    this.buckets = {
      write: new TokenBuckets(perSecond, config.WS_SEND_BURST),
      // Reactions have their own bucket, as generous as sends: a burst of them costs no message.
      react: new TokenBuckets(perSecond, config.WS_SEND_BURST),
      read: new TokenBuckets(READS_PER_SECOND, READ_BURST),
      typing: new TokenBuckets(1, 2),
    };
    this.describe = {
      write: `at most ${perSecond} messages, edits and deletes per second in a room`,
      react: `at most ${perSecond} reactions per second in a room`,
      read: `at most ${READS_PER_SECOND} read markers per second in a room`,
      typing: "typing indicators are limited to one per second",
    };
  }

  /** Takes a token or throws `rate_limited` (429) with the time to wait. */
  take(action: LimitedAction, userId: number) {
    const wait = this.buckets[action].take(userId);
    if (wait > 0) throw rateLimited(`Slow down: ${this.describe[action]}`, wait);
  }
}

const READS_PER_SECOND = 5;
const READ_BURST = 10;
