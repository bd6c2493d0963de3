import { DurableObject } from "cloudflare:workers";
import { eq, max } from "drizzle-orm";
import { runAlarm } from "../alarms";
import { type Db, withDb } from "../db/client";
import { webhookEndpoints } from "../db/reach-schema";
import { messages } from "../db/schema";
import { type Bindings, type Config, loadConfig } from "../env";
import { Cursors } from "./cursors";
import { deliverEndpoint } from "./deliver";
import { fanOutPushes } from "./push-fanout";
import { type Away, QuietMembers } from "./quiet";
import { adoptLegacyLive, type Seen, SeenTable } from "./seen";

/** Retry delay when a whole run failed (PostgreSQL down): the alarm comes back, nothing is lost. */
const RUN_RETRY_MS = 5_000;

/**
 * What leaves the product for one room (one object per room, beside the room's own object): the
 * webhook endpoints' cursors with their pending deliveries, and the push decisions. The room tells
 * it after each copy to PostgreSQL (`sequenced`); everything it sends is read from PostgreSQL, and
 * every cursor is in its SQLite, so an eviction or a restart loses nothing: the alarm resumes.
 */
export class Courier extends DurableObject<Bindings> {
  private readonly config: Config;
  private readonly cursors: Cursors;
  private readonly quiet: QuietMembers;
  private readonly seen: SeenTable;

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    this.config = loadConfig(env);
    this.cursors = new Cursors(ctx.storage.sql);
    this.quiet = new QuietMembers(ctx.storage.sql);
    this.seen = new SeenTable(ctx.storage.sql);
    adoptLegacyLive(ctx.storage.sql, this.seen, this.cursors.meta("head"));
  }

  /**
   * The room copied its events up to `headSeq` to PostgreSQL (from `fromSeq`); `live` are the
   * users whose sockets were connected, who saw them as they happened; `seen`, what members whose
   * sockets closed before the notice were sent live (not pushed either); `away`, when the room
   * knew them, the members without a socket (less those sent the whole range) and whom the range
   * mentions.
   */
  async sequenced(
    roomId: number,
    fromSeq: number,
    headSeq: number,
    live: number[],
    away?: Away,
    seen: Seen[] = [],
  ) {
    this.cursors.setMeta("room", roomId);
    if (away && this.settledHere(fromSeq, headSeq, away)) return;
    if (this.cursors.meta("push_seq") === null) this.cursors.setMeta("push_seq", fromSeq - 1);
    this.cursors.setMeta("head", Math.max(headSeq, this.cursors.meta("head") ?? 0));
    // A user connected now was sent everything so far: not pushed for it, pushed for what follows.
    this.seen.add([...seen, ...live.map((id): Seen => [id, 1, headSeq])]);
    await this.ctx.storage.setAlarm(Date.now());
  }

  /**
   * The room woke with nothing to copy and may owe a notice (its call failed, or its object is
   * new and the one before may have died between a copy's commit and its notice): PostgreSQL
   * holds its events up to `headSeq`, the lost range began at `fromSeq` when the room knows it.
   * Nothing to do when this courier heard of them; otherwise a run decides the gap from
   * PostgreSQL, as after any lost notice. A courier that never heard from the room and no
   * `fromSeq` starts after `headSeq`: it cannot tell a lost first notice from a room older than
   * its courier, whose whole history must not be pushed.
   */
  async reminded(roomId: number, fromSeq: number | null, headSeq: number, live: number[], seen: Seen[] = []) {
    const head = this.cursors.meta("head");
    if (head !== null && head >= headSeq) return;
    // No push for such a room's events; its endpoints' deliveries still run (their own cursors).
    if (this.cursors.meta("push_seq") === null && fromSeq === null) this.cursors.setMeta("push_seq", headSeq);
    await this.sequenced(roomId, fromSeq ?? (head ?? 0) + 1, headSeq, live, undefined, seen);
  }

  /**
   * A new endpoint starts after what PostgreSQL holds now; returns that seq. A run follows: a
   * notice that arrived while PostgreSQL was being asked found no cursor and set no alarm
   * (`settledHere`), so the events it announced would wait for the next notice.
   */
  async added(roomId: number, endpointId: string): Promise<number> {
    this.cursors.setMeta("room", roomId);
    const head = await withDb(this.config, (db) => pgHead(db, roomId));
    this.cursors.reset(endpointId, head);
    await this.ctx.storage.setAlarm(Date.now());
    return head;
  }

  /** A member's notification level for this room changed (PostgreSQL has it already). */
  async levelChanged(userId: number) {
    this.quiet.forget(userId);
  }

  async removed(endpointId: string) {
    this.cursors.remove(endpointId);
  }

  /** Delivers again from `fromSeq`, clearing any failure; returns the cursor (fromSeq - 1). */
  async replay(roomId: number, endpointId: string, fromSeq: number): Promise<number> {
    this.cursors.setMeta("room", roomId);
    this.cursors.reset(endpointId, fromSeq - 1);
    await this.ctx.storage.setAlarm(Date.now());
    return fromSeq - 1;
  }

  async deliveredSeqs(): Promise<Record<string, number>> {
    return Object.fromEntries(this.cursors.all().map((c) => [c.endpoint_id, c.seq]));
  }

  override async alarm() {
    const roomId = this.cursors.meta("room");
    if (roomId === null) return;
    const run = () =>
      withDb(this.config, async (db) => {
        await this.decidePushes(db, roomId);
        return this.deliverWebhooks(db, roomId);
      });
    await runAlarm(this.ctx.storage, `courier: room ${roomId}`, run, RUN_RETRY_MS);
  }

  /**
   * Events nobody can be pushed for (every member without a socket is quiet and not mentioned:
   * `quiet.ts`) with no endpoint to deliver to, and nothing earlier waiting: decided here,
   * without PostgreSQL or an alarm (issue 25: most copies of a busy room). Not when the range
   * does not follow the last one (a notice was lost): the run then decides the gap, as before.
   */
  private settledHere(fromSeq: number, headSeq: number, away: Away): boolean {
    const pushSeq = this.cursors.meta("push_seq");
    const head = this.cursors.meta("head");
    const idle = pushSeq === null || (head !== null && pushSeq >= head && fromSeq <= head + 1);
    if (!idle || this.cursors.any() || !this.quiet.none(away, Date.now())) return false;
    const to = Math.max(headSeq, head ?? 0);
    this.cursors.setMeta("push_seq", to);
    this.cursors.setMeta("head", to);
    return true;
  }

  /** Push decisions for what was sequenced since the last run; what members saw live is kept until decided. */
  private async decidePushes(db: Db, roomId: number) {
    const afterSeq = this.cursors.meta("push_seq");
    const head = this.cursors.meta("head");
    if (afterSeq === null || head === null || afterSeq >= head) return;
    const [gen, readAt] = [this.quiet.generation, Date.now()];
    const { done, quiet } = await fanOutPushes(
      this.env,
      db,
      roomId,
      { afterSeq, upTo: head },
      this.seen.ranges(),
    );
    if (quiet) this.quiet.replace(quiet, readAt, gen);
    this.cursors.setMeta("push_seq", done);
    this.seen.doneThrough(done);
  }

  /** Each active endpoint that is due gets its next deliveries; returns when to come back. */
  private async deliverWebhooks(db: Db, roomId: number): Promise<number | null> {
    // An endpoint without a cursor is not delivered to: with none, PostgreSQL has nothing to say.
    const endpoints = this.cursors.any()
      ? await db.select().from(webhookEndpoints).where(eq(webhookEndpoints.roomId, roomId))
      : [];
    const known = new Set(endpoints.map((e) => e.id));
    for (const c of this.cursors.all()) if (!known.has(c.endpoint_id)) this.cursors.remove(c.endpoint_id);
    let next: number | null = null;
    for (const endpoint of endpoints) {
      const cursor = this.cursors.get(endpoint.id);
      if (endpoint.state !== "active" || !cursor || cursor.next_at > Date.now()) {
        if (endpoint.state === "active" && cursor) next = Math.min(next ?? cursor.next_at, cursor.next_at);
        continue;
      }
      const at = await deliverEndpoint(db, this.config, this.cursors, endpoint, cursor);
      if (at !== null) next = Math.min(next ?? at, at);
    }
    const pushSeq = this.cursors.meta("push_seq") ?? 0;
    if (pushSeq < (this.cursors.meta("head") ?? 0)) next = Date.now();
    return next;
  }
}

async function pgHead(db: Db, roomId: number): Promise<number> {
  const [row] = await db
    .select({ seq: max(messages.seq) })
    .from(messages)
    .where(eq(messages.roomId, roomId));
  return row?.seq ?? 0;
}
