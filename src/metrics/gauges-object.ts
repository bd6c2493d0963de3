import { DurableObject } from "cloudflare:workers";
import type { Bindings } from "../env";
import { GLOBAL_RULES_MAX_AGE_MS, RuleHolders } from "../moderation/rule-holders";

/**
 * What one room reports of itself: open sockets, events not yet copied to PostgreSQL, and whether
 * its last copy failed with events waiting (PostgreSQL is not taking its backlog).
 */
export type RoomGauges = { roomId: number; sockets: number; backlog: number; failing?: boolean };

export type LiveTotals = {
  /** Rooms with an open socket or a backlog, as they last reported. */
  liveRooms: number;
  sockets: number;
  backlog: number;
  /** Rooms whose backlog is not empty. */
  roomsWithBacklog: number;
  /** Rooms whose last copy to PostgreSQL failed with events waiting. */
  failingRooms: number;
};

/** A room with events not yet in PostgreSQL, as it last reported (GET /admin/outbox). */
export type BacklogRoom = { room_id: number; backlog: number; failing: boolean; reported_at: string };

/**
 * One object for the whole deployment that keeps each live room's last report (sockets, outbox
 * backlog), so that GET /metrics, GET /health and GET /admin/outbox read totals from one place
 * instead of waking every room or asking PostgreSQL (which may be what is down). Rooms report when
 * those numbers change, at most once a second each (src/room/gauge-reporter.ts); a room with
 * nothing open and nothing pending is dropped. One object takes a few hundred reports a second
 * comfortably; a deployment with thousands of busy rooms would shard it by room id.
 */
export class Gauges extends DurableObject<Bindings> {
  private readonly sql: SqlStorage;
  private readonly holders: RuleHolders;

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.holders = new RuleHolders(this.sql, GLOBAL_RULES_MAX_AGE_MS);
    this.sql.exec(`create table if not exists room_gauges (
      room_id integer primary key, sockets integer not null, backlog integer not null, reported_at integer not null)`);
    // Storage created before rooms said whether their copy is failing gains the column.
    const columns = this.sql.exec<{ name: string }>("pragma table_info(room_gauges)").toArray();
    if (!columns.some((c) => c.name === "failing"))
      this.sql.exec("alter table room_gauges add column failing integer not null default 0");
  }

  report({ roomId, sockets, backlog, failing = false }: RoomGauges) {
    if (sockets === 0 && backlog === 0) {
      this.sql.exec("delete from room_gauges where room_id = ?", roomId);
      return;
    }
    this.sql.exec(
      `insert into room_gauges (room_id, sockets, backlog, failing, reported_at) values (?, ?, ?, ?, ?)
       on conflict (room_id) do update set sockets = excluded.sockets, backlog = excluded.backlog,
       failing = excluded.failing, reported_at = excluded.reported_at`,
      roomId,
      sockets,
      backlog,
      failing ? 1 : 0,
      Date.now(),
    );
  }

  /** Moderation: a room is about to read the global filter list (moderation/rule-holders.ts). */
  holdRules(roomId: number) {
    this.holders.hold(roomId);
  }

  /** Moderation: the rooms to tell of a change to the global filter list. */
  ruleHolders(limit: number): number[] {
    return this.holders.current(limit);
  }

  totals(): LiveTotals {
    const row = this.sql
      .exec<{ live: number; sockets: number; backlog: number; pending: number; failing: number }>(
        `select count(*) as live, coalesce(sum(sockets), 0) as sockets, coalesce(sum(backlog), 0) as backlog,
         count(*) filter (where backlog > 0) as pending, count(*) filter (where failing = 1 and backlog > 0) as failing
         from room_gauges`,
      )
      .one();
    return {
      liveRooms: row.live,
      sockets: row.sockets,
      backlog: row.backlog,
      roomsWithBacklog: row.pending,
      failingRooms: row.failing,
    };
  }

  /** The rooms with the largest backlogs (failing ones first), at most `limit`. */
  backlogRooms(limit: number): BacklogRoom[] {
    return this.sql
      .exec<{ room_id: number; backlog: number; failing: number; reported_at: number }>(
        `select room_id, backlog, failing, reported_at from room_gauges where backlog > 0
         order by failing desc, backlog desc limit ?`,
        limit,
      )
      .toArray()
      .map((r) => ({
        room_id: r.room_id,
        backlog: r.backlog,
        failing: r.failing === 1,
        reported_at: new Date(r.reported_at).toISOString(),
      }));
  }
}

/** The deployment's one gauges object. */
export const gaugesStub = (env: Bindings) => env.GAUGES.get(env.GAUGES.idFromName("all"));
