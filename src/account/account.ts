import { DurableObject } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { type SessionUser, toSession } from "../auth/session";
import { withDb } from "../db/client";
import { users } from "../db/schema";
import { type Bindings, type Config, loadConfig } from "../env";

/**
 * How long a loaded account is trusted without a change notice. Every change the service makes
 * (password, deactivation, admin flag, deletion) is pushed here at once (`updated`); this bound
 * only covers changes made behind the service's back, e.g. SQL run by an operator.
 */
const MAX_AGE_MS = 60_000;

/**
 * One user's account as every request needs it: the token version (revocation), the active and
 * admin flags. One object per user holds it in memory, so that checking a token costs a call to
 * an object near the worker instead of a PostgreSQL round trip; the service's writes to users
 * go to PostgreSQL first and then here, so a revocation takes effect on the very next request.
 * Nothing is stored: an evicted object reloads from PostgreSQL, the system of record.
 */
export class Account extends DurableObject<Bindings> {
  private readonly config: Config;
  private user: SessionUser | null = null;
  private loadedAt = 0;
  private gone = false;
  /** Bumped by every change notice, so that a load that started before it cannot overwrite it. */
  private generation = 0;
  private loading: Promise<SessionUser | null> | null = null;

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    this.config = loadConfig(env);
  }

  /** The user as it stands, or null if the account no longer exists. */
  async session(userId: number): Promise<SessionUser | null> {
    if (this.gone) return null;
    if (this.user && Date.now() - this.loadedAt < MAX_AGE_MS) return this.user;
    this.loading ??= this.load(userId).finally(() => {
      this.loading = null;
    });
    return this.loading;
  }

  /** The service changed this user (or deleted it: null): later requests see the change at once. */
  async updated(user: SessionUser | null) {
    this.generation++;
    this.gone = user === null;
    this.user = user && toSession(user);
    this.loadedAt = Date.now();
  }

  private async load(userId: number): Promise<SessionUser | null> {
    const started = this.generation;
    const [row] = await withDb(this.config, (db) =>
      db
        .select({
          id: users.id,
          username: users.username,
          isAdmin: users.isAdmin,
          isActive: users.isActive,
          tokenVersion: users.tokenVersion,
        })
        .from(users)
        .where(eq(users.id, userId))
        .limit(1),
    );
    if (this.generation !== started) return this.user;
    this.user = row ?? null;
    this.loadedAt = Date.now();
    return this.user;
  }
}

/** The account object of one user. */
export const accountStub = (env: Bindings, userId: number) => env.ACCOUNTS.getByName(`user:${userId}`);
