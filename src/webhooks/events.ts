import { and, asc, eq, gt, lte } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { Db } from "../db/client";
import { messages, users } from "../db/schema";

/**
 * What a webhook delivers for one event of a room's timeline, read from PostgreSQL (the system of
 * record: an event is delivered only once it is there). Thread counter events are not delivered:
 * they are derived from replies, which are. Nor are hidden events (`messages.hidden`: a
 * shadow-banned user's, or a change to a hidden message): only their author sees them, and a
 * webhook speaks for the room, not for that author.
 */
export type WebhookEvent = {
  type: "message.created" | "message.edited" | "message.deleted" | "reaction.changed";
  timestamp: string;
  data: {
    room_id: number;
    seq: number;
    message_id: string;
    user_id: number | null;
    username: string | null;
    /** The message's current text (null once deleted). */
    content: string | null;
    reply_to?: string | null;
    mentions?: number[];
    reaction?: { key: string; added: boolean };
  };
};

const TYPES = {
  message: "message.created",
  edit: "message.edited",
  delete: "message.deleted",
  reaction: "reaction.changed",
} as const;

const target = alias(messages, "target");

/** Events after `afterSeq` (up to `limit`), in seq order; `null` where a seq is not delivered. */
export async function eventsAfter(db: Db, roomId: number, afterSeq: number, limit: number, upTo?: number) {
  const rows = await db
    .select({ m: messages, username: users.username, targetContent: target.content })
    .from(messages)
    .leftJoin(users, eq(users.id, messages.userId))
    .leftJoin(target, eq(target.id, messages.targetId))
    .where(
      and(
        eq(messages.roomId, roomId),
        gt(messages.seq, afterSeq),
        upTo === undefined ? undefined : lte(messages.seq, upTo),
      ),
    )
    .orderBy(asc(messages.seq))
    .limit(limit);
  return rows.map((r) => ({ seq: r.m.seq, event: toWebhookEvent(r.m, r.username, r.targetContent) }));
}

function toWebhookEvent(
  m: typeof messages.$inferSelect,
  username: string | null,
  targetContent: string | null,
): WebhookEvent | null {
  if (m.kind === "thread" || m.hidden) return null;
  const reaction = m.data as { key?: string; on?: boolean } | null;
  const isMessage = m.kind === "message";
  return {
    type: TYPES[m.kind],
    timestamp: m.createdAt.toISOString(),
    data: {
      room_id: m.roomId,
      seq: m.seq,
      message_id: isMessage ? m.id : (m.targetId ?? m.id),
      user_id: m.userId,
      username,
      content: isMessage ? m.content : targetContent,
      ...(isMessage && { reply_to: m.replyTo, mentions: m.mentions ?? [] }),
      ...(m.kind === "reaction" && { reaction: { key: reaction?.key ?? "", added: reaction?.on ?? false } }),
    },
  };
}
