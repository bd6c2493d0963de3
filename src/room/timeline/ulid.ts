import { monotonicFactory } from "ulidx";

/** Random bytes for ids, drawn from a pool refilled 256 at a time. */
const pool = new Uint8Array(256);
let next = pool.length;

/**
 * A uniform number in [0, 1) from the pool: ulidx asks its generator once per character (16
 * calls to `crypto.getRandomValues` per new id otherwise, a runtime call each).
 */
function pooledRandom(): number {
  if (next === pool.length) {
    crypto.getRandomValues(pool);
    next = 0;
  }
  return (pool[next++] as number) / 256;
}

/** A generator of ULIDs, increasing within a millisecond (ulidx's monotonic factory). */
export const monotonicUlid = () => monotonicFactory(pooledRandom);
