import { and, eq, gt, inArray, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { loginDevices, loginFailures } from "../db/schema";
import { AppError } from "../errors";

/**
 * Login throttle: exponential delay per (account, client address) pair, and a looser cap per
 * account across all addresses. An attacker guessing from one address is slowed to a crawl
 * after a few tries, while the real user, from their own address, is not locked out by them;
 * only a distributed attack on one account reaches the account-wide cap. Counts are kept in
 * PostgreSQL (every isolate sees the same), restart after an hour without failures, and a
 * successful login clears its pair. Throttled attempts are refused before the password hash is
 * computed, so they cost almost nothing.
 *
 * A known device — an address this account logged in from successfully in the last 30 days — is
 * held only by its own pair: failures spread over many addresses block the account for everyone
 * else, never for the devices its owner already uses. The address comes from the connection or
 * a configured proxy (middleware/client-address.ts), never from a header a client chose.
 * The same throttle guards every check of a password: logins and `POST /user/update_password`.
 */
const POLICY = {
  pair: { free: 5, maxDelayS: 15 * 60 },
  account: { free: 50, maxDelayS: 15 * 60 },
} as const;
const WINDOW = sql`interval '1 hour'`;
const KNOWN_DEVICE = sql`interval '30 days'`;

type Kind = keyof typeof POLICY;
const keysOf = (username: string, address: string) =>
  ({
    pair: `pair:${username.trim().toLowerCase()}|${address}`,
    account: `account:${username.trim().toLowerCase()}`,
  }) as const;

/** Refuses (429 `too_many_attempts`, with Retry-After) while either key is blocked. */
export async function checkLoginAllowed(db: Db, username: string, address: string) {
  const keys = keysOf(username, address);
  const known = await isKnownDevice(db, username, address);
  const rows = await db
    .select({ until: loginFailures.blockedUntil })
    .from(loginFailures)
    .where(inArray(loginFailures.key, known ? [keys.pair] : [keys.pair, keys.account]));
  const until = Math.max(0, ...rows.map((r) => r.until?.getTime() ?? 0));
  const waitMs = until - Date.now();
  if (waitMs > 0) {
    throw Object.assign(new AppError("too_many_attempts", 429, "Too many failed logins; try again later"), {
      retryAfterMs: waitMs,
    });
  }
}

const accountOf = (username: string) => username.trim().toLowerCase();

async function isKnownDevice(db: Db, username: string, address: string): Promise<boolean> {
  const rows = await db
    .select({ at: loginDevices.lastSuccessAt })
    .from(loginDevices)
    .where(
      and(
        eq(loginDevices.account, accountOf(username)),
        eq(loginDevices.address, address),
        gt(loginDevices.lastSuccessAt, sql`now() - ${KNOWN_DEVICE}`),
      ),
    )
    .limit(1);
  return rows.length > 0;
}

/** One more failure for both keys; `firstDelayS` is the first wait past the free ones (config). */
export async function recordLoginFailure(db: Db, username: string, address: string, firstDelayS: number) {
  const keys = keysOf(username, address);
  await Promise.all(
    (Object.keys(POLICY) as Kind[]).map((kind) => bump(db, keys[kind], { ...POLICY[kind], firstDelayS })),
  );
}

/** Clears the pair and remembers the address as one of the account's devices. */
export async function recordLoginSuccess(db: Db, username: string, address: string) {
  await db.delete(loginFailures).where(eq(loginFailures.key, keysOf(username, address).pair));
  if (address === "unknown") return; // no address: nothing to recognise the device by
  await db
    .insert(loginDevices)
    .values({ account: accountOf(username), address })
    .onConflictDoUpdate({
      target: [loginDevices.account, loginDevices.address],
      set: { lastSuccessAt: sql`now()` },
    });
}

/** One more failure for `key`; past `free` failures, blocked for first · 2^(n − free) seconds, capped. */
async function bump(db: Db, key: string, p: { free: number; maxDelayS: number; firstDelayS: number }) {
  const n = sql`case when ${loginFailures.updatedAt} < now() - ${WINDOW} then 1 else ${loginFailures.failures} + 1 end`;
  const delay = (failures: unknown) =>
    sql`case when ${failures} >= ${p.free} then now() + least(${p.maxDelayS}, ${p.firstDelayS} * power(2, ${failures} - ${p.free})) * interval '1 second' end`;
  await db
    .insert(loginFailures)
    .values({ key, failures: 1 })
    .onConflictDoUpdate({
      target: loginFailures.key,
      set: { failures: n, blockedUntil: delay(n), updatedAt: sql`now()` },
    });
}
