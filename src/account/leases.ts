/**
 * How long a room may answer a user's account check from its own copy (room/access/account-copies.ts)
 * without asking the user's Account object again. Short on purpose: a change to the account
 * tells every room holding a lease before it returns, and one that cannot be told is waited out,
 * so this is the longest a logout, revocation or password change can take when a room is
 * unreachable (or after this object restarted, twice this). Long enough that a room read by a
 * client every few seconds, or by many at once, asks once per lease instead of once per request.
 */
export const LEASE_MS = 5_000;

/** Leases held before the ended ones are swept (only live ones count: at most one per room read within LEASE_MS). */
const PRUNE_AT = 64;

/** The storage key of the end of the leases this object's incarnations may have granted. */
const MARK = "leases_until";

type Kv = Pick<SyncKvStorage, "get" | "put">;

/**
 * The rooms holding a lease on one user's account check, and their ends (this object's clock; a
 * room counts its lease from before it asked, so it ends there first). Memory is lost with the
 * object, so the latest end is also kept in storage, extended a lease at a time (one write per
 * LEASE_MS at most): an object started again waits that out before a change returns, since it
 * cannot tell the rooms its previous run leased to.
 */
export class RoomLeases {
  private readonly held = new Map<number, number>();
  /** The end of what an earlier run of this object may have leased, as it left it in storage. */
  private readonly inherited: number;
  private marked: number;

  constructor(private readonly kv: Kv) {
    this.inherited = kv.get<number>(MARK) ?? 0;
    this.marked = this.inherited;
  }

  /**
   * Grants (or renews) `roomId` a lease, no longer than the account's state is trusted
   * (`trustedUntil`); the milliseconds the room may keep its copy (0: none). Call it in the same
   * step as reading the answer it covers: a change that follows then finds it.
   */
  grant(roomId: number, trustedUntil: number): number {
    const now = Date.now();
    const ms = Math.min(LEASE_MS, trustedUntil - now);
    if (ms <= 0) return 0;
    const until = now + ms;
    // Ended leases go once there are many: a user reading room after room holds only the live ones.
    if (this.held.size >= PRUNE_AT) for (const [id, end] of this.held) if (end <= now) this.held.delete(id);
    this.held.set(roomId, Math.max(this.held.get(roomId) ?? 0, until));
    if (until > this.marked) {
      // The output gate holds the grant's answer until this write is durable.
      this.marked = until + LEASE_MS;
      this.kv.put(MARK, this.marked);
    }
    return ms;
  }

  /**
   * The account changed: every room holding a lease drops its copy (`tell`) before this
   * resolves; a room that cannot be told (an error, no answer) is waited out until its lease ends,
   * and so is what an earlier run of this object leased. Call it right after the change, in the
   * same step: a grant after it covers the new state.
   */
  async end(tell: (roomId: number) => Promise<unknown>): Promise<void> {
    const now = Date.now();
    const leased = [...this.held].filter(([, until]) => until > now);
    this.held.clear();
    let waitUntil = this.inherited;
    await Promise.all(
      leased.map(async ([roomId, until]) => {
        if (!(await told(tell(roomId), until - now))) waitUntil = Math.max(waitUntil, until);
      }),
    );
    const left = waitUntil - Date.now();
    if (left > 0) await sleep(left);
  }

  /** How many rooms hold a lease (tests). */
  get size() {
    return this.held.size;
  }
}

/** Whether `call` answered within `ms`. */
async function told(call: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const answered = call.then(
    () => true,
    () => false,
  );
  try {
    return await Promise.race([answered, late]);
  } finally {
    clearTimeout(timer);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
