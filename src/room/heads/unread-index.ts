import type { HeadPreview, MessageEvent, TimelineEvent } from "../../protocol";
import type { Timeline } from "../timeline/timeline";

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS unread_index (
    seq INTEGER PRIMARY KEY,
    message_id TEXT NOT NULL UNIQUE,
    author INTEGER,
    mentions TEXT NOT NULL DEFAULT '',
    deleted INTEGER NOT NULL DEFAULT 0
  );
  CREATE TABLE IF NOT EXISTS unread_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

const EXCERPT = 100;

/** The row's author is not someone the viewer (the statement's parameter) blocked (access/blocks.ts). */
const SHOWN = "NOT EXISTS (SELECT 1 FROM hidden_authors h WHERE h.viewer_id = ? AND h.author_id = u.author)";

/** A message as a conversation list shows it. */
export function previewOf(e: MessageEvent): HeadPreview {
  const excerpt = e.content === null ? null : e.content.slice(0, EXCERPT);
  const { id, seq, user_id, username, created_at } = e;
  return { id, seq, user_id, username, excerpt, created_at };
}

export type Counts = { unread_count: number; mention_count: number };

/** The timeline's group commit (`timeline/group-commit.ts`): the index's writes go with their event's row. */
export type WithRows = Pick<Timeline, "withRows" | "commit" | "companion">;

/** A message's row in the index: seq, id, author, mentions. */
type IndexRow = [number, string, number | null, string];
/** Durable Object SQLite binds at most 100 parameters per statement. */
const ROWS_PER_INSERT = 25;
const PLACEHOLDERS = Array.from({ length: ROWS_PER_INSERT }, () => "(?, ?, ?, ?)");

/**
 * What unread and mention counts are derived from, kept by the room, the single writer of its
 * timeline: one small row per message (seq, author, who it mentions, deleted), written with the
 * event in the same turn, and the last message's preview. Counting is a range scan after a read
 * marker, so the counts are exact the moment the event is sequenced — never waiting for the copy
 * to PostgreSQL. Rows are a few dozen bytes and kept for the room's life (a read marker can be
 * anywhere). Messages sequenced before this index existed (`since`) count as read. A row is
 * written with its event's row, in the same commit (group commit), and a count first writes
 * what is pending, so it never misses an acknowledged message.
 */
export class UnreadIndex {
  private previewCache: HeadPreview | null | undefined;
  private sinceCache: number | null = null;
  /** Indexes a message with the others of its turn: one INSERT per 25, not one per message. */
  private readonly indexed: (row: IndexRow) => void;
  /** Writes the preview once per turn (a burst's older previews are skipped). */
  private readonly previewed: (p: HeadPreview) => void;

  constructor(
    private readonly sql: SqlStorage,
    private readonly rows: WithRows,
  ) {
    this.indexed = rows.companion((items: IndexRow[]) => this.insert(items));
    this.previewed = rows.companion((items: HeadPreview[]) => {
      const last = items.at(-1);
      if (last)
        this.sql.exec(
          "INSERT OR REPLACE INTO unread_meta (key, value) VALUES ('preview', ?)",
          JSON.stringify(last),
        );
    });
    this.load();
  }

  private insert(items: IndexRow[]) {
    for (let i = 0; i < items.length; i += ROWS_PER_INSERT) {
      const chunk = items.slice(i, i + ROWS_PER_INSERT);
      const values = chunk.length === ROWS_PER_INSERT ? PLACEHOLDERS : PLACEHOLDERS.slice(0, chunk.length);
      this.sql.exec(
        `INSERT OR IGNORE INTO unread_index (seq, message_id, author, mentions) VALUES ${values.join(", ")}`,
        ...chunk.flat(),
      );
    }
  }

  /** Creates the tables (again, after the room's storage was wiped). */
  load() {
    this.sql.exec(SCHEMA);
    this.previewCache = undefined;
    this.sinceCache = null;
  }

  /** Starts the index after `seq`, once: older messages are not in it. */
  start(seq: number) {
    if (this.since !== null) return;
    this.sql.exec("INSERT INTO unread_meta (key, value) VALUES ('since', ?)", String(seq));
    this.sinceCache = seq;
  }

  /** The seq the index starts after (messages up to it count as read); null before its first event. */
  get since(): number | null {
    if (this.sinceCache === null) {
      const row = this.sql
        .exec<{ value: string }>("SELECT value FROM unread_meta WHERE key = 'since'")
        .toArray()[0];
      if (row) this.sinceCache = Number(row.value);
    }
    return this.sinceCache;
  }

  /** Follows one timeline event: a message is indexed, a delete or an edit updates it; true if the head changed. */
  follow(e: TimelineEvent): boolean {
    if (e.type === "message") {
      const mentions = e.mentions.length ? `,${e.mentions.join(",")},` : "";
      const { seq, id, user_id } = e;
      this.indexed([seq, id, user_id, mentions]);
      const excerpt = e.content === null ? null : e.content.slice(0, EXCERPT);
      this.setPreview({ id, seq, user_id, username: e.username, excerpt, created_at: e.created_at });
      return true;
    }
    const last = this.preview();
    if (e.type === "message.deleted") {
      const id = e.message_id;
      this.rows.withRows(() => this.sql.exec("UPDATE unread_index SET deleted = 1 WHERE message_id = ?", id));
      if (last?.id === e.message_id) this.setPreview({ ...last, excerpt: null });
      return true;
    }
    if (e.type === "message.edited" && last?.id === e.message_id) {
      this.setPreview({ ...last, excerpt: e.content === null ? null : e.content.slice(0, EXCERPT) });
      return true;
    }
    return false;
  }

  /**
   * Messages from others after `marker`, not deleted, not by someone `userId` blocked (their
   * @mentions then count for nothing either), and how many of them mention `userId`.
   */
  counts(userId: number, marker: number): Counts {
    this.rows.commit();
    const row = this.sql
      .exec<{ n: number; m: number | null }>(
        `SELECT count(*) AS n, sum(instr(mentions, ?) > 0) AS m FROM unread_index u
         WHERE seq > ? AND deleted = 0 AND (author IS NULL OR author != ?) AND ${SHOWN}`,
        `,${userId},`,
        marker,
        userId,
        userId,
      )
      .one();
    return { unread_count: row.n, mention_count: row.m ?? 0 };
  }

  /** The last message indexed up to `lastSeq` whose author `userId` did not block. */
  lastShownTo(userId: number, lastSeq: number): string | undefined {
    this.rows.commit();
    return this.sql
      .exec<{ message_id: string }>(
        `SELECT message_id FROM unread_index u WHERE seq <= ? AND ${SHOWN} ORDER BY seq DESC LIMIT 1`,
        lastSeq,
        userId,
      )
      .toArray()[0]?.message_id;
  }

  /**
   * The room's last message as a conversation list shows it, or null if it has none indexed. A
   * preview past `lastSeq` was of a message whose write failed (the sequence stepped back).
   */
  preview(lastSeq = Number.POSITIVE_INFINITY): HeadPreview | null {
    if (this.previewCache === undefined || (this.previewCache && this.previewCache.seq > lastSeq)) {
      const row = this.sql
        .exec<{ value: string }>("SELECT value FROM unread_meta WHERE key = 'preview'")
        .toArray()[0];
      this.previewCache = row ? (JSON.parse(row.value) as HeadPreview) : null;
    }
    return this.previewCache;
  }

  private setPreview(p: HeadPreview) {
    this.previewCache = p;
    this.previewed(p);
  }
}
