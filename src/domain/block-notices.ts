import type { UserScope } from "../context";
import { notifyUser } from "../inbox/notify";
import { tellRooms } from "./member-rooms";

/**
 * A block changed (already written to PostgreSQL and the blocker's Account object): every room the
 * blocker is in hides (or shows again) the other user's events on the blocker's open sockets at
 * once, counts them out of (or back into) the blocker's head and, in their direct conversation,
 * refuses (or allows) messages between them; the blocker's other devices hear of it on their
 * channel (`account` / `blocks_changed`).
 */
export async function blocksChanged(s: UserScope, otherId: number, blocked: boolean) {
  await Promise.all([
    tellRooms(s.db, s.env, s.user.id, (room) => room.blocksChanged(s.user.id, otherId, blocked)),
    notifyUser(s.env, s.user.id, {
      type: "account",
      event: "blocks_changed",
      detail: { user_id: otherId, blocked },
    }),
  ]);
}
