import { AWAY_MAX } from "../../courier/quiet";
import { courierStub } from "../../courier/stub";
import type { Bindings } from "../../env";
import type { Roster } from "../access/roster";
import { attachmentOf } from "../socket/identity";

/**
 * Tells the room's courier (src/courier/) that events up to `toSeq` reached PostgreSQL, with the
 * users whose sockets are connected now: they received those events live and are not pushed.
 * With them the members without a socket and whom the copied messages mention (`mentioned`):
 * when none of those can be pushed and no webhook endpoint waits, the courier decides without
 * PostgreSQL (src/courier/quiet.ts). Called from the alarm after each copy. A notice that fails is not retried here: the next copy's notice covers it
 * (the courier keeps its own cursors and only moves its head forward).
 */
export async function tellCourier(
  env: Bindings,
  ctx: DurableObjectState,
  roster: Roster,
  roomId: number,
  range: { fromSeq: number; toSeq: number },
  mentioned: number[],
) {
  if (range.toSeq < range.fromSeq) return;
  const live = new Set<number>();
  for (const ws of ctx.getWebSockets()) {
    const who = attachmentOf(ws);
    if (who?.user) live.add(who.user.id);
  }
  const users = roster.membersOutside(live, AWAY_MAX);
  const away = users ? { users, mentioned } : undefined;
  try {
    await courierStub(env, roomId).sequenced(roomId, range.fromSeq, range.toSeq, [...live], away);
  } catch (err) {
    console.warn(`room ${roomId}: courier notice failed (the next copy repeats it)`, err);
  }
}
