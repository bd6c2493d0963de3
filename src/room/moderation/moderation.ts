import type { EventData } from "../../domain/event-rows";
import type { Bindings, Config } from "../../env";
import { AppError } from "../../errors";
import { gaugesStub } from "../../metrics/gauges-object";
import { Blocks } from "../access/blocks";
import type { Roster } from "../access/roster";
import type { Actor, SocketUser } from "../socket/identity";
import { BlockedAttempts } from "./attempts";
import { type ModerationCall, ModerationCalls, type ModerationParts, type ModerationResults } from "./calls";
import { HiddenEvents } from "./hidden";
import { type Admitted, ModerationRules } from "./rules";

export type { ModerationCall } from "./calls";
export { shadowData } from "./shadow-data";

/** What a message's row carries of its moderation (EventData), merged into what it already has. */
export function withModeration(data: string | null, a: Admitted): string | null {
  const extra: EventData = {
    ...(a.shadow && { shadow: true as const }),
    ...(a.masked.length > 0 && { masked: a.masked }),
    ...(a.flagged.length > 0 && { flagged: a.flagged }),
  };
  if (Object.keys(extra).length === 0) return data;
  return JSON.stringify({ ...(data ? (JSON.parse(data) as EventData) : {}), ...extra });
}

/**
 * The room's moderation, as the write rules and the room's edges use it: the rules enforced when
 * sequencing (rules.ts) and the events only their author sees (hidden.ts).
 */
export class RoomModeration {
  readonly rules: ModerationRules;
  readonly hidden: HiddenEvents;
  private readonly attempts: BlockedAttempts;
  private roomId = () => 0;
  /** Who blocked whom here (users' own moderation): the other source of what a reader does not see. */
  readonly blocks: Blocks;

  constructor(sql: SqlStorage, config: Config, roster: Pick<Roster, "room" | "membership">, env?: Bindings) {
    this.rules = new ModerationRules(sql, config, env && announceTo(env));
    this.blocks = new Blocks(sql, roster);
    this.hidden = new HiddenEvents(sql, this.blocks);
    this.attempts = new BlockedAttempts(sql, config);
  }

  private calls: ModerationCalls | undefined;

  reset() {
    this.rules.reset();
    this.hidden.reset();
    this.attempts.load();
    this.blocks.reset();
  }

  /** Wires the worker's moderation calls, once the room's other parts exist (they need this one). */
  answer(parts: Omit<ModerationParts, "moderation">) {
    this.calls = new ModerationCalls({ ...parts, moderation: this });
    this.roomId = () => parts.timeline.roomId;
  }

  handle(
    roomId: number,
    who: SocketUser,
    call: ModerationCall,
  ): Promise<ModerationResults[ModerationCall["kind"]]> {
    if (!this.calls) throw new Error("moderation calls not wired");
    return this.calls.handle(roomId, who, call);
  }

  private refreshing: Promise<void> | null = null;

  /** Whether the rules must be read again before the next send (`fresh`): cheap, on every send. */
  get stale(): boolean {
    return this.rules.stale;
  }

  /** Re-reads stale rules before a send (one read at a time); kept as they are if PostgreSQL fails. */
  fresh(): Promise<void> {
    if (!this.rules.stale) return Promise.resolve();
    this.refreshing ??= this.rules
      .refresh(this.roomId())
      .catch((err) => this.rules.keep(err))
      .finally(() => {
        this.refreshing = null;
      });
    return this.refreshing;
  }

  /**
   * The alarm's chance to re-read the global list in a room that only sockets use, and to audit
   * blocked attempts a failed write left behind.
   */
  async refreshIfStale(roomId: number) {
    if (this.rules.stale) await this.rules.refresh(roomId).catch((err) => this.rules.keep(err));
    await this.attempts.flush(roomId);
  }

  /** A new message: mute, slow mode, filters; whether it is shadowed. */
  admitSend(who: Actor, content: string): Admitted {
    return this.audited(who, () => this.rules.admit(who, content));
  }

  /** An edit: mute and filters (slow mode counts messages, not corrections). */
  admitEdit(who: Actor, content: string) {
    this.rules.requireVoice(who.user.id);
    return this.audited(who, () => this.rules.filter(content));
  }

  /** A refusal by a `block` filter is counted for the audit log (attempts.ts), then thrown as is. */
  private audited<T>(who: Actor, admit: () => T): T {
    try {
      return admit();
    } catch (err) {
      if (err instanceof AppError && err.code === "message_blocked") {
        const filterId = (err.details as { filter_id?: number } | undefined)?.filter_id ?? 0;
        this.attempts.record(this.roomId(), who.user.id, filterId);
      }
      throw err;
    }
  }

  /** Reactions and deletes of one's own are writes too: a muted user reads only. */
  requireVoice(userId: number) {
    this.rules.requireVoice(userId);
  }

  /**
   * Who alone may see a new event by `userId`, decided before it is appended (its row carries
   * `shadow`, so PostgreSQL's `messages.hidden` marks it too: webhooks, counts and pushes leave it
   * out). The actor when shadow-banned; for an event about a hidden message (`targetSeq`: an edit,
   * a delete, a reaction, a thread counter) that message's owner, so that it reveals nothing of the
   * message to anyone else. Undefined: everyone may.
   */
  concealment(userId: number, targetSeq?: number): number | undefined {
    if (this.rules.isShadowBanned(userId)) return userId;
    return targetSeq === undefined ? undefined : this.hidden.ownerOf(targetSeq);
  }

  /** Records the concealment decided for the event just appended at `seq`. */
  hide(seq: number, owner: number | undefined) {
    if (owner !== undefined) this.hidden.hide(seq, owner);
  }

  /** A message someone other than its author may act on (report, reply): hidden ones do not exist for them. */
  requireVisible(seq: number, readerId: number) {
    const owner = this.hidden.ownerOf(seq);
    if (owner !== undefined && owner !== readerId) {
      throw new AppError("message_not_found", 404, "No such message in this room");
    }
  }
}

/** Registers with the deployment's registry; a failure is logged (the room then relies on staleness). */
const announceTo = (env: Bindings) => async (roomId: number) => {
  try {
    await gaugesStub(env).holdRules(roomId);
  } catch (err) {
    console.warn("moderation: could not register as holding the global filter list", err);
  }
};
