import type { PushPayload } from "./payload";

/**
 * A user's pushes not yet accepted by a push service, in the queue's SQLite. One row per room and
 * subscription: a newer message in the same room replaces what is still pending for it (as the
 * Topic header does at the push service). `*` is a push not yet fanned out to the user's devices.
 */
export type Pending = {
  room_id: number;
  subscription_id: string;
  payload: string;
  urgent: number;
  due_at: number;
  attempt: number;
};

export const ALL_DEVICES = "*";

export class PendingPushes {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS pending (
      room_id INTEGER NOT NULL, subscription_id TEXT NOT NULL, payload TEXT NOT NULL,
      urgent INTEGER NOT NULL, due_at INTEGER NOT NULL, attempt INTEGER NOT NULL DEFAULT 0,
      PRIMARY KEY (room_id, subscription_id))`);
    sql.exec("CREATE TABLE IF NOT EXISTS owner (user_id INTEGER NOT NULL)");
  }

  /** A new push for a room replaces everything still pending for that room. */
  replace(userId: number, payload: PushPayload, dueAt: number) {
    const old = this.sql
      .exec<{ urgent: number }>(
        "SELECT max(urgent) AS urgent FROM pending WHERE room_id = ?",
        payload.room_id,
      )
      .toArray()[0];
    const urgent = payload.reason !== "all" || old?.urgent === 1 ? 1 : 0;
    this.sql.exec("DELETE FROM pending WHERE room_id = ?", payload.room_id);
    this.sql.exec(
      "INSERT INTO pending (room_id, subscription_id, payload, urgent, due_at) VALUES (?, ?, ?, ?, ?)",
      payload.room_id,
      ALL_DEVICES,
      JSON.stringify(payload),
      urgent,
      dueAt,
    );
    if (this.owner() === null) this.sql.exec("INSERT INTO owner (user_id) VALUES (?)", userId);
  }

  owner(): number | null {
    return this.sql.exec<{ user_id: number }>("SELECT user_id FROM owner").toArray()[0]?.user_id ?? null;
  }

  due(now: number): Pending[] {
    return this.sql.exec<Pending>("SELECT * FROM pending WHERE due_at <= ? ORDER BY due_at", now).toArray();
  }

  nextDue(): number | null {
    return (
      this.sql.exec<{ at: number | null }>("SELECT min(due_at) AS at FROM pending").toArray()[0]?.at ?? null
    );
  }

  /** Fans a push out to the user's devices: one row per subscription, the `*` row gone. */
  expand(p: Pending, subscriptionIds: string[]) {
    this.drop(p);
    for (const id of subscriptionIds) {
      this.sql.exec(
        "INSERT OR IGNORE INTO pending (room_id, subscription_id, payload, urgent, due_at) VALUES (?, ?, ?, ?, ?)",
        p.room_id,
        id,
        p.payload,
        p.urgent,
        p.due_at,
      );
    }
  }

  retryLater(p: Pending, dueAt: number) {
    this.sql.exec(
      "UPDATE pending SET attempt = attempt + 1, due_at = ? WHERE room_id = ? AND subscription_id = ? AND payload = ?",
      dueAt,
      p.room_id,
      p.subscription_id,
      p.payload,
    );
  }

  /** Drops one row, unless a newer push replaced it meanwhile. */
  drop(p: Pending) {
    this.sql.exec(
      "DELETE FROM pending WHERE room_id = ? AND subscription_id = ? AND payload = ?",
      p.room_id,
      p.subscription_id,
      p.payload,
    );
  }

  dropRoom(roomId: number) {
    this.sql.exec("DELETE FROM pending WHERE room_id = ?", roomId);
  }
}
