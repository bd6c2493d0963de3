import { courierStub } from "../../courier/stub";
import type { Bindings } from "../../env";
import type { Roster } from "../access/roster";
import { attachmentOf } from "../socket/identity";

/**
 * Tells the room's courier (src/courier/) that events up to `toSeq` reached PostgreSQL, with the
 * users whose sockets are connected now: they received those events live and are not pushed.
 * `everyone`: every member of the room is among them, so nobody is pushed for these events (the
 * courier then needs PostgreSQL only for a webhook endpoint's cursor). Called from the alarm
 * after each copy. A notice that fails is not retried here: the next copy's notice covers it
 * (the courier keeps its own cursors and only moves its head forward).
 */
export async function tellCourier(
  env: Bindings,
  ctx: DurableObjectState,
  roster: Roster,
  roomId: number,
  range: { fromSeq: number; toSeq: number },
) {
  if (range.toSeq < range.fromSeq) return;
  const live = new Set<number>();
  for (const ws of ctx.getWebSockets()) {
    const who = attachmentOf(ws);
    if (who?.user) live.add(who.user.id);
  }
  const everyone = roster.allAmong(live);
  try {
    await courierStub(env, roomId).sequenced(roomId, range.fromSeq, range.toSeq, [...live], everyone);
  } catch (err) {
    console.warn(`room ${roomId}: courier notice failed (the next copy repeats it)`, err);
  }
}
