import { DurableObject } from "cloudflare:workers";
import type { Bindings, Config } from "../env";
import { loadConfig } from "../env";
import { PING_FRAME, PONG_FRAME } from "../protocol";
import { AccountCopies } from "./access/account-copies";
import { Door } from "./access/door";
import { Roster } from "./access/roster";
import { reportGauges } from "./gauge-reporter";
import { MemberHeads } from "./heads/member-heads";
import { Reactions } from "./live/reactions";
import { Threads } from "./live/threads";
import { RoomModeration } from "./moderation/moderation";
import { CourierNotices } from "./outbox/courier-notice";
import { Outbox } from "./outbox/outbox";
import { CopySchedule } from "./outbox/schedule";
import { RoomOutput } from "./output";
import { Admission } from "./socket/admission";
import { Replays } from "./socket/replay";
import { SeenLive } from "./socket/seen-live";
import { Timeline } from "./timeline/timeline";
import { assembleWrites, type WriteSide } from "./writes/assemble";
import { UserLimits } from "./writes/limits";

/**
 * The room object's parts and how they are wired together, once per wake-up: storage-backed
 * state (timeline, roster, reactions, threads, heads, moderation), the output every frame leaves
 * through, the outbox and its schedule, and the write side assembled from them. `Room` (room.ts)
 * extends this and holds only the edges: the runtime's handlers and the worker's RPC methods.
 */
export abstract class RoomParts extends DurableObject<Bindings> {
  protected readonly config: Config;
  protected readonly timeline: Timeline;
  protected readonly roster: Roster;
  protected readonly door: Door;
  protected readonly outbox: Outbox;
  protected readonly notices: CourierNotices;
  protected readonly copies: CopySchedule;
  protected readonly reactions: Reactions;
  protected readonly threads: Threads;
  protected readonly out: RoomOutput;
  protected readonly replays: Replays;
  protected readonly w: WriteSide;
  protected readonly heads: MemberHeads;
  protected readonly gauges = reportGauges(this.ctx, this.env, () => [this.timeline, this.outbox]);
  protected readonly moderation: RoomModeration;
  protected readonly admission: Admission;
  /** REST readers' account checks, kept under their Account objects' leases. */
  protected readonly accounts = new AccountCopies(this.env);
  /** What members were sent on sockets that closed before the copy's notice (`socket/seen-live.ts`). */
  protected readonly seen: SeenLive;

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    const config = loadConfig(env);
    this.config = config;
    this.timeline = new Timeline(ctx.storage.sql);
    this.roster = new Roster(ctx.storage.sql);
    this.reactions = new Reactions(ctx.storage.sql, config);
    this.threads = new Threads(ctx.storage.sql);
    this.moderation = new RoomModeration(ctx.storage.sql, config, this.roster, env);
    this.heads = new MemberHeads(ctx.storage.sql, this.timeline, env, this.moderation.hidden, config);
    this.door = new Door(this.timeline, this.roster, env, () => this.startAnnotations(), this.moderation);
    this.outbox = new Outbox(this.timeline, config, env, () => this.notices.during());
    this.seen = new SeenLive(ctx.storage.sql);
    this.notices = new CourierNotices(env, ctx, this.roster, this.timeline, this.outbox, this.seen);
    this.copies = new CopySchedule(ctx.storage, this.outbox);
    const out = new RoomOutput(ctx, this.timeline, this.copies);
    this.out = out;
    out.hideWith(this.moderation.hidden);
    this.replays = new Replays({ ctx, timeline: this.timeline, config, out, hidden: this.moderation.hidden });
    this.admission = new Admission(env, config);
    // What a write publishes leaves through the output, and the members' inboxes follow it.
    const publish = this.heads.observe(out);
    const { timeline, roster, door, reactions, threads, moderation, replays } = this;
    const core = { ctx, env, timeline, roster, door, out, config, publish, limits: new UserLimits(config) };
    this.w = assembleWrites({ ...core, reactions, threads, moderation, sync: replays });
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING_FRAME, PONG_FRAME));
    if (this.timeline.initialised) this.startAnnotations();
    // Woken with a backlog (e.g. after an eviction mid-flush): make sure a copy is scheduled.
    if (this.timeline.initialised && this.outbox.backlog > 0) this.copies.kick();
  }

  /** Reactions and thread counters kept from here on; older messages' live in PostgreSQL. */
  protected startAnnotations() {
    this.reactions.start(this.timeline.lastSeq);
    this.threads.start(this.timeline.lastSeq);
  }
}
