import { count, desc } from "drizzle-orm";
import type { Db } from "../db/client";
import { outboxRejects, outboxStuck } from "../db/schema";

const decode = (payload: string): unknown => {
  try {
    return JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(payload), (c) => c.charCodeAt(0))));
  } catch {
    return payload;
  }
};

/** What PostgreSQL knows of the copy: set-aside events and stuck rooms. */
export async function outboxRecords(db: Db) {
  const [[total], rejected, stuck] = await Promise.all([
    db.select({ n: count() }).from(outboxRejects),
    db.select().from(outboxRejects).orderBy(desc(outboxRejects.createdAt)).limit(50),
    db.select().from(outboxStuck).orderBy(desc(outboxStuck.updatedAt)).limit(100),
  ]);
  return {
    rejected_count: Number(total?.n ?? 0),
    rejected: rejected.map((r) => ({
      room_id: r.roomId,
      seq: r.seq,
      event_id: r.eventId,
      error_code: r.errorCode,
      error_message: r.errorMessage,
      // The raw event may hold text JSON cannot carry faithfully; the operator sees it as decoded.
      event: decode(r.payload),
      created_at: r.createdAt.toISOString(),
    })),
    stuck_rooms: stuck.map((s) => ({
      room_id: s.roomId,
      failures: s.failures,
      backlog: s.backlog,
      last_error: s.lastError,
      since: s.since.toISOString(),
      updated_at: s.updatedAt.toISOString(),
    })),
  };
}
