import type { RoomRow } from "../db/schema";
import type { Bindings } from "../env";
import type { InboxNotice, InboxRoom } from "../protocol";

/** A room as the channel names it. */
export const inboxRoom = (row: Pick<RoomRow, "id" | "name" | "kind">): InboxRoom => ({
  id: row.id,
  name: row.name,
  kind: row.kind,
});

/** The inbox object of one user (one per user id, forever). */
export const inboxStub = (env: Bindings, userId: number) => env.INBOXES.getByName(`inbox:${userId}`);

/**
 * Tells a user's channel that something happened to them (joined, removed, a new DM, a revoked
 * session, changed blocks …): stored in their own timeline and sent to every device. Call it after
 * the change is written to PostgreSQL. It never throws: a channel that cannot be told is logged,
 * and the user's next `recovered: false` or list refetch shows the truth from PostgreSQL.
 *
 * @example
 * await notifyUser(env, userId, { type: "account", event: "session_revoked", detail: { session_id } });
 */
export async function notifyUser(env: Bindings, userId: number, notice: InboxNotice): Promise<void> {
  try {
    await inboxStub(env, userId).notify(notice);
  } catch (err) {
    console.error("inbox: could not notify user", userId, notice.type, err);
  }
}

/** Tells several users the same thing, in parallel. */
export const notifyUsers = (env: Bindings, userIds: Iterable<number>, notice: InboxNotice) =>
  Promise.all([...new Set(userIds)].map((id) => notifyUser(env, id, notice)));

/**
 * Closes every device's channel of a user: tokens revoked (4401), account disabled or deleted
 * (4403); with `sessions`, only the channels opened with those sessions' tokens (4401).
 */
export async function closeInbox(
  env: Bindings,
  userId: number,
  code: number,
  reason: string,
  sessions?: string[],
) {
  try {
    await inboxStub(env, userId).closeAll(code, reason, sessions);
  } catch (err) {
    console.error("inbox: could not close the channel of user", userId, err);
  }
}
