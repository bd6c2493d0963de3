import type { Bindings } from "../../env";
import { gaugesStub } from "../../metrics/gauges-object";
import { type ModerationCall, type ModerationResults, roomStub, type SocketUser, unwrap } from "../../room";

/** The room's answer to one moderation call, typed by its kind (one RPC method carries them all). */
export async function callRoom<K extends ModerationCall["kind"]>(
  env: Bindings,
  roomId: number,
  who: SocketUser,
  call: Extract<ModerationCall, { kind: K }>,
): Promise<ModerationResults[K]> {
  return (await unwrap(roomStub(env, roomId).moderate(roomId, who, call))) as ModerationResults[K];
}

const SERVICE: SocketUser = { user: { id: 0, username: "" }, isAdmin: false };

/**
 * Tells a room that its rules changed in PostgreSQL (written there first): the room reads them
 * again before this resolves, so the change applies to the very next send on any socket.
 */
export const rulesChanged = (env: Bindings, roomId: number) =>
  callRoom(env, roomId, SERVICE, { kind: "rules_changed" });

/** Rooms told of one change to the global list at most, and how many at a time. */
export const GLOBAL_NOTIFY_MAX_ROOMS = 1000;
const AT_ONCE = 20;

/**
 * The global filter list changed (written first): every room registered as holding a copy young
 * enough to be used (moderation/rule-holders.ts) reads its rules again before this resolves. Any
 * other room's copy is stale and is read again before its next send. A room that cannot be told
 * (or one past the bound, logged) re-reads when its copy turns stale: within 30 s.
 */
export async function globalRulesChanged(env: Bindings) {
  let rooms: number[] = [];
  try {
    rooms = await gaugesStub(env).ruleHolders(GLOBAL_NOTIFY_MAX_ROOMS);
  } catch (err) {
    console.warn("moderation: rooms holding the global list unknown; they re-read within 30 s", err);
  }
  if (rooms.length === GLOBAL_NOTIFY_MAX_ROOMS)
    console.warn("moderation: global list change told to the first rooms only");
  for (let i = 0; i < rooms.length; i += AT_ONCE) {
    await Promise.allSettled(rooms.slice(i, i + AT_ONCE).map((id) => rulesChanged(env, id)));
  }
}
