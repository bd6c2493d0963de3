import type { messages } from "../db/schema";
import type {
  Attachment,
  DeleteEvent,
  EditEvent,
  EventRowKind,
  MessageEvent,
  ParentPreview,
  ReactionEvent,
  ThreadEvent,
  TimelineEvent,
} from "../protocol";
import { isoTime } from "./iso-time";

/**
 * One event of a room's timeline as stored (the room's SQLite cache, or PostgreSQL), and its
 * wire form. `content` of an edit row is the text that edit set; when an edit is replayed, the
 * message's current text is shown instead (`current`), so old text is never sent again.
 */
export type EventRow = {
  seq: number;
  id: string;
  kind: EventRowKind;
  /** edit/delete/reaction/thread: the message they apply to. */
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
  /** A reply: the message it replies to. */
  reply_to: string | null;
  /** What an event carries beyond text, as JSON (`EventData`); null when nothing. */
  data: string | null;
  /** A thread root's counters, when read from PostgreSQL (the room keeps its own: room/live/threads.ts). */
  reply_count?: number;
  last_reply_at?: number | null;
};

/**
 * A reply's parent preview as its row keeps it. `only`: the quoted message was hidden from all but
 * that user when the reply was sent (a shadow-banned message, quoted by its author after the ban
 * was lifted), which it stays for good (hidden events are decided when sequenced). Never sent:
 * `quoteAs` (room/moderation/hidden.ts) drops it and hides the quote from everyone else.
 */
export type StoredParent = ParentPreview & { only?: number };

/** The JSON in `EventRow.data`, by kind. */
export type EventData = {
  /** message: who it mentions, and the parent of a reply as it stood when sent. */
  mentions?: number[];
  /** message: the files it carries (claimed when it was sequenced). */
  attachments?: Attachment[];
  parent?: StoredParent;
  /** reaction: the key, whether it was added (else removed), the totals after it. */
  key?: string;
  on?: boolean;
  totals?: Array<{ key: string; count: number }>;
  /** reaction: the keys the acting user has on the message after it. */
  mine?: string[];
  /** thread: the reply and the root's counters after it. */
  reply_id?: string;
  reply_count?: number;
  last_reply_at?: number;
  /** Moderation: sequenced while the author was shadow-banned (PostgreSQL's `messages.hidden`). */
  shadow?: true;
  /** Moderation: the filters that masked this text, or flagged it (a report is queued on copy). */
  masked?: number[];
  flagged?: number[];
};

export const dataOf = (row: Pick<EventRow, "data">): EventData =>
  row.data ? (JSON.parse(row.data) as EventData) : {};

/** A message's text as it stands now: null once deleted; `editedAt` when the cache knows the last edit. */
export type CurrentText = { content: string | null; editedAt?: number | null | undefined };

const iso = isoTime;
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

export const toMessageEvent = (roomId: number, row: EventRow): MessageEvent => {
  const data = dataOf(row);
  return {
    ...base(roomId, row),
    type: "message",
    content: row.deleted_at === null ? row.content : null,
    client_id: row.client_id,
    created_at: iso(row.created_at),
    edited_at: row.edited_at === null ? null : iso(row.edited_at),
    deleted: row.deleted_at !== null,
    reply_to: row.reply_to ?? null,
    parent: data.parent ?? null,
    mentions: data.mentions ?? [],
    reply_count: row.reply_count ?? 0,
    last_reply_at: row.last_reply_at == null ? null : iso(row.last_reply_at),
    reactions: [],
    attachments: row.deleted_at === null ? (data.attachments ?? []) : [],
  };
};

export const toReactionEvent = (roomId: number, row: EventRow): ReactionEvent => {
  const data = dataOf(row);
  const key = data.key ?? "";
  const reacted = data.on ?? false;
  return {
    ...base(roomId, row),
    type: "reaction",
    message_id: row.target_id ?? "",
    key,
    reacted,
    reactions: (data.totals ?? []).map((t) => ({ ...t, me: (data.mine ?? []).includes(t.key) })),
  };
};

export const toThreadEvent = (roomId: number, row: EventRow): ThreadEvent => {
  const data = dataOf(row);
  return {
    ...base(roomId, row),
    type: "thread.updated",
    message_id: row.target_id ?? "",
    reply_id: data.reply_id ?? "",
    reply_count: data.reply_count ?? 0,
    last_reply_at: iso(data.last_reply_at ?? row.created_at),
  };
};

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
    case "reaction":
      return toReactionEvent(roomId, row);
    case "thread":
      return toThreadEvent(roomId, row);
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
    reply_to: m.replyTo,
    data: m.data === null ? null : JSON.stringify(m.data),
    reply_count: m.replyCount,
    last_reply_at: m.lastReplyAt?.getTime() ?? null,
  };
}
