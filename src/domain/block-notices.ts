import type { UserScope } from "../context";
import { notifyUser } from "../inbox/notify";

/**
 * A block changed: the blocker's other devices hear of it on their channel (`account` /
 * `blocks_changed`), and rooms where the blocker has open sockets start (or stop) hiding the other
 * user's events from them at once (lands with the room reshape, issue 17).
 */
export async function blocksChanged(s: UserScope, otherId: number, blocked: boolean) {
  await notifyUser(s.env, s.user.id, {
    type: "account",
    event: "blocks_changed",
    detail: { user_id: otherId, blocked },
  });
}
