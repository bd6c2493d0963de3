/**
 * What the room tells its courier about the members without a socket, with each notice: who they
 * are (the room's roster minus its sockets) and who of anybody the range's messages mention.
 */
export type Away = { users: number[]; mentioned: number[] };

/** Members without a socket one notice carries at most; more: the courier asks PostgreSQL. */
export const AWAY_MAX = 100;
/** How long a level read from PostgreSQL is trusted (a change notice that was lost costs at most this). */
const TRUSTED_MS = 60_000;

/**
 * The members a message that does not mention them cannot push (a bot, or a level of "mentions"
 * or "nothing" for this room: src/push/decide.ts), as PostgreSQL said at the courier's last
 * decision, in its SQLite. A changed level is told (`forget`, after PostgreSQL has it); a decision
 * that read the levels before that notice does not write them back (the generation).
 */
export class QuietMembers {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS quiet_members (user_id INTEGER PRIMARY KEY, read_at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS quiet_generation (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)`);
  }

  get generation(): number {
    return this.sql.exec<{ n: number }>("SELECT n FROM quiet_generation").toArray()[0]?.n ?? 0;
  }

  /** The members PostgreSQL showed at `readAt` (read at generation `gen`), of whom `quiet` are. */
  replace(quiet: number[], readAt: number, gen: number) {
    if (gen !== this.generation) return;
    this.sql.exec("DELETE FROM quiet_members");
    for (const id of quiet)
      this.sql.exec("INSERT INTO quiet_members (user_id, read_at) VALUES (?, ?)", id, readAt);
  }

  /** A member's level for this room changed in PostgreSQL. */
  forget(userId: number) {
    this.sql.exec("DELETE FROM quiet_members WHERE user_id = ?", userId);
    this.sql.exec(
      "INSERT INTO quiet_generation (id, n) VALUES (1, 1) ON CONFLICT (id) DO UPDATE SET n = n + 1",
    );
  }

  /** Whether none of `away` can be pushed for these events: none mentioned, each known quiet. */
  none(away: Away, now: number): boolean {
    const mentioned = new Set(away.mentioned);
    if (away.users.some((id) => mentioned.has(id))) return false;
    for (const id of away.users) {
      const row = this.sql
        .exec<{ read_at: number }>("SELECT read_at FROM quiet_members WHERE user_id = ?", id)
        .toArray()[0];
      if (!row || row.read_at < now - TRUSTED_MS) return false;
    }
    return true;
  }
}
