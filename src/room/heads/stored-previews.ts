import { and, desc, eq, or, sql } from "drizzle-orm";
import { type Db, withDb } from "../../db/client";
import { userBlocks } from "../../db/people-schema";
import { messages, users } from "../../db/schema";
import { fromPostgres, toMessageEvent } from "../../domain/event-rows";
import type { Config } from "../../env";
import type { HeadPreview, MessageEvent } from "../../protocol";
import { previewOf } from "./unread-index";

/** Time budget of one read (`statement_timeout`): a slow PostgreSQL costs a head its preview, not the room. */
export const PREVIEW_READ_MS = 2000;
/** Members remembered at once (one small preview each); the oldest is forgotten first. */
const MAX_KEPT = 1000;
/** After a failed read, how long before that member's preview is asked of PostgreSQL again. */
const RETRY_MS = 30_000;

type Kept = { key: string; preview: HeadPreview | null; until?: number };

/**
 * A blocker's last visible message when it is older than the room's cache (their head's preview
 * would be null otherwise): read from PostgreSQL, filtered as the REST lists' query is (not by
 * someone they blocked, not hidden from them), once per member until what they see changes, and
 * kept in memory (a cache: an evicted room reads it again). A read never holds up a head: the
 * head goes without it, and is pushed again when it arrives (`arrived`).
 */
export class StoredPreviews {
  private readonly kept = new Map<number, Kept>();
  private readonly reading = new Map<number, Promise<void>>();

  constructor(
    private readonly config: Config,
    private readonly roomId: () => number,
    /** The message as the room's cache has it now (an edit or delete PostgreSQL may not have yet). */
    private readonly current: (e: MessageEvent) => MessageEvent,
    private readonly arrived: (userId: number) => void,
  ) {}

  /**
   * The preview PostgreSQL has for `userId`, if read for `key` (what their last visible message
   * is known as here); undefined when not known yet, and then a read starts.
   */
  get(userId: number, key: string): HeadPreview | null | undefined {
    const k = this.kept.get(userId);
    if (k?.key === key && (k.until === undefined || k.until > Date.now())) return k.preview;
    this.read(userId, key);
    return undefined;
  }

  /** The read in flight for `userId`, if any (an inbox's first head waits for it). */
  pending(userId: number): Promise<void> | undefined {
    return this.reading.get(userId);
  }

  /** What `userId` sees changed (a block): their preview is read again when next asked. */
  forget(userId: number) {
    this.kept.delete(userId);
  }

  /** A message was edited or deleted: previews showing it are read again; the members whose they were. */
  messageChanged(messageId: string): number[] {
    const shown = [...this.kept].filter(([, k]) => k.preview?.id === messageId).map(([userId]) => userId);
    for (const userId of shown) this.kept.delete(userId);
    return shown;
  }

  reset() {
    this.kept.clear();
  }

  private read(userId: number, key: string) {
    if (this.reading.has(userId)) return;
    const roomId = this.roomId();
    const done = withDb(this.config, (db) => lastVisibleTo(db, roomId, userId))
      .then((e) => this.keep(userId, { key, preview: e && previewOf(this.current(e)) }))
      .catch((err) => {
        console.warn("room: a blocker's last visible message could not be read", roomId, userId, err);
        this.keep(userId, { key, preview: null, until: Date.now() + RETRY_MS });
      })
      .finally(() => this.reading.delete(userId));
    this.reading.set(userId, done);
  }

  private keep(userId: number, k: Kept) {
    this.kept.delete(userId);
    if (this.kept.size >= MAX_KEPT) this.kept.delete(this.kept.keys().next().value as number);
    this.kept.set(userId, k);
    this.arrived(userId);
  }
}

/** The room's last message `userId` may see in PostgreSQL, within the time budget. */
async function lastVisibleTo(db: Db, roomId: number, userId: number): Promise<MessageEvent | null> {
  const rows = await db.transaction(async (tx) => {
    await tx.execute(sql.raw(`set local statement_timeout = ${PREVIEW_READ_MS}`));
    return tx
      .select({ m: messages, username: users.username })
      .from(messages)
      .leftJoin(users, eq(users.id, messages.userId))
      .where(
        and(
          eq(messages.roomId, roomId),
          eq(messages.kind, "message"),
          or(eq(messages.hidden, false), eq(messages.userId, userId)),
          sql`not exists (select 1 from ${userBlocks} where ${userBlocks.blockerId} = ${userId} and ${userBlocks.blockedId} = ${messages.userId})`,
        ),
      )
      .orderBy(desc(messages.seq))
      .limit(1);
  });
  const row = rows[0];
  return row ? toMessageEvent(roomId, fromPostgres(row.m, row.username)) : null;
}
