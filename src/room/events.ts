import { and, asc, desc, eq, gt, lt } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { Db } from "../db/client";
import { messages, users } from "../db/schema";
import type { DeleteEvent, EditEvent, MessageEvent, TimelineEvent } from "./protocol";

/**
 * One event of a room's timeline as stored (the room's SQLite cache, or PostgreSQL), and its
 * wire form. `content` of an edit row is the text that edit set; when an edit is replayed, the
 * message's current text is shown instead (`current`), so old text is never sent again.
 */
export type EventRow = {
  seq: number;
  id: string;
  kind: "message" | "edit" | "delete";
  /** edit/delete: the message they apply to. */
  target_id: string | null;
  /**
   * The author. Null (PostgreSQL) or negative (the room's cache, whose column cannot be null)
   * once the author's account was deleted; either way the wire shows null.
   */
  user_id: number | null;
  username: string | null;
  content: string | null;
  client_id: string | null;
  created_at: number;
  edited_at: number | null;
  deleted_at: number | null;
};

/** A message's text as it stands now: null once deleted; `editedAt` when the cache knows the last edit. */
export type CurrentText = { content: string | null; editedAt?: number | null | undefined };

const iso = (ms: number) => new Date(ms).toISOString();
const base = (roomId: number, row: EventRow) => {
  const known = row.user_id !== null && row.user_id > 0;
  return {
    room_id: roomId,
    seq: row.seq,
    id: row.id,
    user_id: known ? row.user_id : null,
    username: known ? row.username : null,
  };
};

export const toMessageEvent = (roomId: number, row: EventRow): MessageEvent => ({
  ...base(roomId, row),
  type: "message",
  content: row.deleted_at === null ? row.content : null,
  client_id: row.client_id,
  created_at: iso(row.created_at),
  edited_at: row.edited_at === null ? null : iso(row.edited_at),
  deleted: row.deleted_at !== null,
});

export const toEditEvent = (roomId: number, row: EventRow, current: CurrentText): EditEvent => ({
  ...base(roomId, row),
  type: "message.edited",
  message_id: row.target_id ?? "",
  content: current.content,
  edited_at: iso(row.created_at),
});

export const toDeleteEvent = (roomId: number, row: EventRow): DeleteEvent => ({
  ...base(roomId, row),
  type: "message.deleted",
  message_id: row.target_id ?? "",
  deleted_at: iso(row.created_at),
});

/** The wire form of a stored event; `current` is the edited message's text now (edits only). */
export function toTimelineEvent(roomId: number, row: EventRow, current?: CurrentText): TimelineEvent {
  switch (row.kind) {
    case "edit":
      return toEditEvent(roomId, row, current ?? { content: row.content });
    case "delete":
      return toDeleteEvent(roomId, row);
    default:
      return toMessageEvent(roomId, row);
  }
}

export function fromPostgres(m: typeof messages.$inferSelect, username: string | null): EventRow {
  return {
    seq: m.seq,
    id: m.id,
    kind: m.kind,
    target_id: m.targetId,
    user_id: m.userId,
    username: m.userId === null ? null : username,
    content: m.content,
    client_id: m.clientId,
    created_at: m.createdAt.getTime(),
    edited_at: m.editedAt?.getTime() ?? null,
    deleted_at: m.deletedAt?.getTime() ?? null,
  };
}

export type HistoryWindow = { limit: number; after?: number | undefined; before?: number | undefined };

const target = alias(messages, "target");

/**
 * A room's timeline from PostgreSQL, oldest first, every event rendered with its message's
 * current state (edits applied, deleted text gone). `after` reads forward from a seq; otherwise
 * the newest before `before`. `messagesOnly` leaves out edit and delete events (REST history).
 */
export async function readTimeline(
  db: Db,
  roomId: number,
  w: HistoryWindow,
  messagesOnly = false,
): Promise<TimelineEvent[]> {
  const forward = w.after !== undefined;
  const bound = forward
    ? gt(messages.seq, w.after ?? 0)
    : w.before === undefined
      ? undefined
      : lt(messages.seq, w.before);
  const rows = await db
    .select({ m: messages, username: users.username, current: target.content })
    .from(messages)
    .leftJoin(users, eq(users.id, messages.userId))
    .leftJoin(target, eq(target.id, messages.targetId))
    .where(and(eq(messages.roomId, roomId), bound, messagesOnly ? eq(messages.kind, "message") : undefined))
    .orderBy(forward ? asc(messages.seq) : desc(messages.seq))
    .limit(w.limit);
  if (!forward) rows.reverse();
  return rows.map(({ m, username, current }) =>
    toTimelineEvent(roomId, fromPostgres(m, username), { content: current }),
  );
}

/** One message (kind `message`) of a room from PostgreSQL. */
export async function findMessage(db: Db, roomId: number, id: string): Promise<EventRow | undefined> {
  const [row] = await db
    .select({ m: messages, username: users.username })
    .from(messages)
    .leftJoin(users, eq(users.id, messages.userId))
    .where(and(eq(messages.roomId, roomId), eq(messages.id, id), eq(messages.kind, "message")))
    .limit(1);
  return row ? fromPostgres(row.m, row.username) : undefined;
}
