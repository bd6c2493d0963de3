import { and, eq, inArray, isNull } from "drizzle-orm";
import { withDb } from "../../db/client";
import { uploads } from "../../db/files-schema";
import type { Config } from "../../env";
import { AppError } from "../../errors";
import type { Attachment } from "../../protocol";
import type { Timeline } from "../timeline/timeline";
import { monotonicUlid } from "../timeline/ulid";

/** The message's id, minted before it is appended because its files are claimed for it first. */
const mintEventId = monotonicUlid();

/** Files claimed for a message about to be sequenced: its id (minted first) and what it carries. */
export type Claimed = { id: string; attachments: Attachment[] };

/**
 * Attaching is part of sequencing a send: the uploads are claimed in PostgreSQL for the message's
 * id before the room appends it, in one statement that takes only the sender's own uploads that
 * are stored and held by no message (`message_id is null`). PostgreSQL's row locks make the
 * claim atomic across rooms, so an upload belongs to exactly one message of one room. A send
 * that then fails to be sequenced gives its claims back.
 */
export class FileClaims {
  constructor(
    private readonly config: Config,
    private readonly timeline: Timeline,
  ) {}

  async claim(userId: number, ids: string[]): Promise<Claimed> {
    if (new Set(ids).size !== ids.length)
      throw new AppError("duplicate_attachment", 422, "Each file can be attached once");
    const id = mintEventId();
    const rows = await withDb(this.config, (db) =>
      db.transaction(async (tx) => {
        const claimed = await tx
          .update(uploads)
          .set({ roomId: this.timeline.roomId, messageId: id, attachedAt: new Date() })
          .where(
            and(
              inArray(uploads.id, ids),
              eq(uploads.userId, userId),
              eq(uploads.state, "ready"),
              isNull(uploads.messageId),
            ),
          )
          .returning();
        const got = new Set(claimed.map((r) => r.id));
        const missing = ids.filter((i) => !got.has(i));
        // Throwing rolls the whole claim back: all of the files, or none.
        if (missing.length > 0)
          throw new AppError(
            "attachment_unavailable",
            422,
            "No such upload of yours, or it is already attached",
            {
              ids: missing,
            },
          );
        return claimed;
      }),
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    const attachments = ids.flatMap((i) => {
      const r = byId.get(i);
      return r
        ? [{ id: r.id, name: r.name, type: r.type, size: r.size, width: r.width, height: r.height }]
        : [];
    });
    return { id, attachments };
  }

  /** The send was refused after the claim and before it was sequenced: the files are free again. */
  async release(claimed: Claimed): Promise<void> {
    if (this.timeline.cachedMessage(claimed.id)) return;
    await withDb(this.config, (db) =>
      db
        .update(uploads)
        .set({ roomId: null, messageId: null, attachedAt: null })
        .where(eq(uploads.messageId, claimed.id)),
    );
  }
}
