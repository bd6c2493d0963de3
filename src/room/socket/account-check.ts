import { accountStub } from "../../account/account";
import type { Bindings } from "../../env";
import { CloseCode } from "../../protocol";
import type { RoomOutput } from "../output";
import { attachmentOf, type SocketUser, userTag, writeAttachment } from "./identity";

/** The same bound REST has for changes made behind the service's back (account/account.ts). */
export const ACCOUNT_RECHECK_MS = 60_000;

type Checked = SocketUser & { checkedAt?: number };

/**
 * A socket's recheck under way: the frames that arrive meanwhile wait for the same answer, so
 * they are handled in arrival order (two calls could answer out of order) and ask once.
 */
const rechecking = new WeakMap<WebSocket, Promise<boolean>>();

/**
 * Whether the socket's account still holds, asked of the user's Account object at most once a
 * minute per socket (its first frame after connecting counts as checked: the worker just did).
 * Every change the service makes is pushed to open sockets at once; this covers the others — an
 * operator's `UPDATE users SET is_active = false` or a deleted row — which REST refuses within
 * 60 s, so a socket stops being able to send within the same bound. A lapsed account's sockets
 * in this room are closed (4403) and the frame is not handled.
 */
export function accountHolds(
  env: Bindings,
  ctx: DurableObjectState,
  out: RoomOutput,
  ws: WebSocket,
  /** The socket's attachment, as the caller already read it (one read per frame, not two). */
  attached: SocketUser,
): true | Promise<boolean> {
  const who = attached as Checked;
  const now = Date.now();
  if (who.checkedAt === undefined) {
    writeAttachment(ws, { ...who, checkedAt: now } satisfies Checked);
    return true;
  }
  // Synchronous while checked: no promise per frame (it was one of each frame's turns).
  if (now - who.checkedAt < ACCOUNT_RECHECK_MS) return true;
  let pending = rechecking.get(ws);
  if (!pending) {
    pending = recheck(env, ctx, out, ws, who, now).finally(() => rechecking.delete(ws));
    rechecking.set(ws, pending);
  }
  return pending;
}

async function recheck(
  env: Bindings,
  ctx: DurableObjectState,
  out: RoomOutput,
  ws: WebSocket,
  who: Checked,
  now: number,
) {
  const session = await accountStub(env, who.user.id).session(who.user.id);
  if (session?.isActive) {
    writeAttachment(ws, { ...attachmentOf(ws), checkedAt: now } satisfies Checked);
    return true;
  }
  const reason = session ? "account disabled" : "account deleted";
  out.close(ctx.getWebSockets(userTag(who.user.id)), CloseCode.forbidden, reason);
  return false;
}
