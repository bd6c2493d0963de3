import type { Bindings, Config } from "../../env";
import type { Door } from "../access/door";
import type { Roster } from "../access/roster";
import type { Reactions } from "../live/reactions";
import type { Threads } from "../live/threads";
import type { RoomModeration } from "../moderation/moderation";
import type { Publish, RoomOutput } from "../output";
import { frameHandlers } from "../socket/dispatch";
import type { Timeline } from "../timeline/timeline";
import { Conversation } from "./conversation";
import { FileClaims } from "./file-claims";
import type { UserLimits } from "./limits";
import { SendQueue } from "./sends";
import { RoomWrites } from "./writes";

type Parts = {
  ctx: DurableObjectState;
  env: Bindings;
  timeline: Timeline;
  roster: Roster;
  door: Door;
  reactions: Reactions;
  threads: Threads;
  moderation: RoomModeration;
  /** The room's output (frames) and what writes publish through (the output, followed by the heads). */
  out: RoomOutput;
  publish: Publish;
  limits: UserLimits;
  config: Config;
  /** Told when a socket echoes a flow-control marker (`socket/replay.ts`). */
  sync: { confirmed(ws: WebSocket, token: string): void };
};

export type WriteSide = ReturnType<typeof assembleWrites>;

/**
 * The room's write side, built from its other parts: the write rules (with moderation), the
 * conversation features on top of them, the send queue and the socket frame handlers.
 */
export function assembleWrites(p: Parts) {
  const { ctx, env, timeline, roster, door, reactions, threads, moderation, out, limits, config, publish } =
    p;
  const { sync } = p;
  const writes = new RoomWrites(timeline, limits, config, publish, moderation);
  const conversation = new Conversation({
    timeline,
    roster,
    writes,
    limits,
    config,
    out: publish,
    reactions,
    threads,
  });
  moderation.answer({ door, writes, timeline, config, publish });
  const sends = new SendQueue(writes, conversation, new FileClaims(config, timeline), config);
  const { hidden } = moderation;
  const parts = { ctx, env, door, sends, writes, conversation, limits, out, sync, hidden };
  const onFrame = frameHandlers(parts);
  return { writes, conversation, sends, onFrame };
}
