import { eq } from "drizzle-orm";
import { withDb } from "../db/client";
import { roomMembers } from "../db/schema";
import type { Bindings, Config } from "../env";
import type { InboxNotice } from "../protocol";
import { roomStub } from "../room";
import type { Heads } from "./heads";

/** Rooms asked at once when a device connects (each a call to a room object). */
const CONCURRENCY = 32;

type Parts = {
  env: Bindings;
  config: Config;
  heads: Heads;
  /** Stores and sends one event (the inbox's own timeline). */
  emit: (notice: InboxNotice) => void;
};

/**
 * Registers this inbox with every room of the user that does not push here yet, and records each
 * room's head as the room computes it (exact counts). A head that differs from the one this inbox
 * last had becomes an event, so a device that resumes learns what changed while nobody was
 * connected. The rooms come from PostgreSQL's memberships (with the read markers it has, a floor
 * for the room's own); a room that says "not a member" (a removal not yet seen here) is skipped.
 */
export async function watchRooms({ env, config, heads, emit }: Parts, userId: number): Promise<void> {
  const rows = await withDb(config, (db) =>
    db
      .select({ roomId: roomMembers.roomId, floor: roomMembers.lastReadSeq })
      .from(roomMembers)
      .where(eq(roomMembers.userId, userId)),
  );
  const watched = new Set(heads.watched());
  const todo = rows.filter((r) => !watched.has(r.roomId));
  let next = 0;
  const worker = async () => {
    while (next < todo.length) {
      const { roomId, floor } = todo[next++] as (typeof todo)[number];
      const head = await roomStub(env, roomId).memberHead(roomId, userId, floor, true);
      if (!head) continue;
      heads.gained(roomId);
      heads.setWatched(roomId, true);
      const change = heads.apply(head);
      if (change) emit({ ...head, type: change });
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, todo.length) }, worker));
}
