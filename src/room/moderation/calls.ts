import type { Config } from "../../env";
import type { Door } from "../access/door";
import type { SocketUser } from "../socket/identity";
import type { Timeline } from "../timeline/timeline";
import { Cleanup, type Concealer, type EventSink } from "./cleanup";
import type { HiddenEvents } from "./hidden";
import type { ModerationRules } from "./rules";

/** What the worker asks of a room's moderation, over one RPC method (`Room.moderate`). */
export type ModerationCall =
  /** The rules changed in PostgreSQL: read them again before answering. */
  | { kind: "rules_changed" }
  /** A reader reports a message: who wrote it (a hidden message does not exist for others). */
  | { kind: "report_target"; message_id: string }
  /** Raid cleanup (room admins): these users' messages since `since` (ms) become deletes. */
  | { kind: "cleanup"; user_ids: number[]; since: number; max: number };

export type ModerationResults = {
  rules_changed: null;
  report_target: { user_id: number | null; seq: number };
  cleanup: { deleted: number; more: boolean };
};

/** What the calls use of the room (structural types: the write rules depend on this folder, not back). */
export type ModerationParts = {
  door: Door;
  writes: { findTarget(messageId: string): Promise<{ seq: number; user_id: number | null }> };
  moderation: Concealer & {
    rules: ModerationRules;
    hidden: HiddenEvents;
    requireVisible(seq: number, readerId: number): void;
  };
  timeline: Timeline;
  config: Config;
  publish: EventSink;
};

/** Answers the worker's moderation calls, each after the door's check for it. */
export class ModerationCalls {
  private readonly cleanup: Cleanup;

  constructor(private readonly p: ModerationParts) {
    this.cleanup = new Cleanup(p.timeline, p.config, p.publish, p.moderation);
  }

  async handle(
    roomId: number,
    who: SocketUser,
    call: ModerationCall,
  ): Promise<ModerationResults[typeof call.kind]> {
    const { door, writes, moderation } = this.p;
    switch (call.kind) {
      case "rules_changed":
        await door.settled();
        await moderation.rules.refresh(roomId);
        return null;
      case "report_target": {
        await door.reader(roomId, who);
        const m = await writes.findTarget(call.message_id);
        moderation.requireVisible(m.seq, who.user.id);
        return { user_id: m.user_id !== null && m.user_id > 0 ? m.user_id : null, seq: m.seq };
      }
      case "cleanup":
        await door.moderator(roomId, who);
        return this.cleanup.run(who.user, call.user_ids, call.since, call.max);
    }
  }
}
