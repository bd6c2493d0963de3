import { sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { type RoomRow, rooms } from "../../db/schema";
import type { Membership } from "../../domain/access-rules";
import type { RoomRole } from "../../protocol";

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS room_row (id INTEGER PRIMARY KEY, json TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS roster (user_id INTEGER PRIMARY KEY, role TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS bans (user_id INTEGER PRIMARY KEY);
`;

/** Memberships kept in memory at most (`Roster.membership`). */
const MEMBERSHIPS_CACHED = 10_000;

/** What PostgreSQL holds of a room, read in one round trip when the room object starts. */
export type RoomSnapshot = {
  room: RoomRow;
  lastSeq: number;
  members: Array<[number, RoomRole]>;
  bans: number[];
  /** Every member's blocks, `[blocker, blocked]` (access/blocks.ts). */
  blocks: Array<[number, number]>;
};

/**
 * The room's own copy of its row, members and bans, so that it can answer "may this user read or
 * write here, and with which role" without PostgreSQL. PostgreSQL stays the system of record:
 * every change to members, bans or the room is written there first and then told to the room
 * (`Room.rosterChanged`, `Room.roomChanged`); a room that is not loaded simply reads the new
 * state when it starts.
 */
export class Roster {
  private row: RoomRow | undefined;
  /**
   * Memberships as read from the tables, by user: every send asks (two queries each, measured
   * ≈ 35 µs of a message's CPU). Memory is only a cache of the tables, which this class alone
   * writes: each write forgets its user's entry, a load forgets all (so a woken room reads again).
   */
  private readonly memberships = new Map<number, Membership>();

  constructor(private readonly sql: SqlStorage) {
    this.load();
  }

  private load() {
    this.sql.exec(SCHEMA);
    const stored = this.sql.exec<{ json: string }>("SELECT json FROM room_row").toArray()[0];
    this.row = stored ? reviveRoom(JSON.parse(stored.json)) : undefined;
    this.memberships.clear();
  }

  reset() {
    this.load();
  }

  get loaded(): boolean {
    return this.row !== undefined;
  }

  get room(): RoomRow | undefined {
    return this.row;
  }

  fill(s: RoomSnapshot) {
    this.sql.exec("DELETE FROM roster");
    this.sql.exec("DELETE FROM bans");
    for (const [userId, role] of s.members) this.setMember(userId, role);
    for (const userId of s.bans) this.sql.exec("INSERT OR IGNORE INTO bans (user_id) VALUES (?)", userId);
    this.memberships.clear();
    this.setRoom(s.room);
  }

  setRoom(room: RoomRow) {
    this.sql.exec("INSERT OR REPLACE INTO room_row (id, json) VALUES (?, ?)", room.id, JSON.stringify(room));
    this.row = room;
  }

  membership(userId: number): Membership {
    const known = this.memberships.get(userId);
    if (known) return known;
    const read = Object.freeze(this.read(userId));
    // Bounded by the room's members and the users who asked; a room past the bound reads again.
    if (this.memberships.size >= MEMBERSHIPS_CACHED) this.memberships.clear();
    this.memberships.set(userId, read);
    return read;
  }

  /** One statement: each statement has a fixed cost. */
  private read(userId: number): Membership {
    const row = this.sql
      .exec<{ role: RoomRole | null; banned: number }>(
        `SELECT (SELECT role FROM roster WHERE user_id = ?) AS role,
           EXISTS (SELECT 1 FROM bans WHERE user_id = ?) AS banned`,
        userId,
        userId,
      )
      .one();
    return { role: row.role ?? null, banned: row.banned === 1 };
  }

  /**
   * The members not among `users` (for the courier: who had no socket), or null when more than
   * `max` or while the roster was never loaded (its tables are then empty, not the room's).
   */
  membersOutside(users: ReadonlySet<number>, max: number): number[] | null {
    if (!this.loaded) return null;
    const total = this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM roster").one().n;
    if (total > users.size + max) return null;
    const outside: number[] = [];
    for (const m of this.sql.exec<{ user_id: number }>("SELECT user_id FROM roster"))
      if (!users.has(m.user_id)) outside.push(m.user_id);
    return outside.length > max ? null : outside;
  }

  setMember(userId: number, role: RoomRole | null) {
    if (role === null) this.sql.exec("DELETE FROM roster WHERE user_id = ?", userId);
    else this.sql.exec("INSERT OR REPLACE INTO roster (user_id, role) VALUES (?, ?)", userId, role);
    this.memberships.delete(userId);
  }

  setBanned(userId: number, banned: boolean) {
    if (banned) this.sql.exec("INSERT OR IGNORE INTO bans (user_id) VALUES (?)", userId);
    else this.sql.exec("DELETE FROM bans WHERE user_id = ?", userId);
    this.memberships.delete(userId);
  }
}

const reviveRoom = (r: RoomRow): RoomRow => ({
  ...r,
  createdAt: new Date(r.createdAt),
  updatedAt: new Date(r.updatedAt),
});

/** The room's row, members, bans, members' blocks and last seq from PostgreSQL in one query; undefined if no such room. */
export async function readSnapshot(db: Db, roomId: number): Promise<RoomSnapshot | undefined> {
  const result = await db.execute<{
    room: Record<string, unknown>;
    last_seq: string | number;
    members: Array<[number, RoomRole]>;
    bans: number[];
    blocks: Array<[number, number]>;
  }>(sql`
    select row_to_json(r) as room,
      (select coalesce(max(seq), 0) from messages where room_id = r.id) as last_seq,
      (select coalesce(json_agg(json_build_array(user_id, role)), '[]') from room_members where room_id = r.id) as members,
      (select coalesce(json_agg(user_id), '[]') from room_bans where room_id = r.id) as bans,
      (select coalesce(json_agg(json_build_array(b.blocker_id, b.blocked_id)), '[]') from user_blocks b
        where b.blocker_id in (select user_id from room_members where room_id = r.id)) as blocks
    from ${rooms} r where r.id = ${roomId}`);
  const row = result.rows[0];
  if (!row) return undefined;
  const r = row.room;
  return {
    room: {
      id: Number(r.id),
      name: String(r.name),
      description: (r.description as string | null) ?? null,
      kind: r.kind as RoomRow["kind"],
      dmKey: (r.dm_key as string | null) ?? null,
      ownerId: (r.owner_id as number | null) ?? null,
      createdAt: new Date(String(r.created_at)),
      updatedAt: new Date(String(r.updated_at)),
    },
    lastSeq: Number(row.last_seq),
    members: row.members,
    bans: row.bans,
    blocks: row.blocks,
  };
}
