import { type SeenRanges, sawLive } from "../courier/seen";
import type { NotificationLevel } from "../domain/notification-settings";

/** A new message as the push decision sees it. */
export type Sequenced = { seq: number; authorId: number | null; mentions: number[] };

export type Recipient = {
  userId: number;
  isBot: boolean;
  level: NotificationLevel;
  mutedUntil: Date | null;
  /** Authors this user blocked (of this decision's messages): never pushed for (README, Blocks). */
  blocked?: ReadonlySet<number>;
};

/** Why this user is pushed: a mention (or a DM) is urgent, an "all" room is not. */
export type Reason = "mention" | "direct" | "all";

/**
 * Who is pushed for one message, and why. Never the author, a bot, a user whose socket was
 * connected when the message was copied or was sent it before closing (`seen`: they saw it live),
 * or one who blocked the author
 * (the rule of `blockedAuthor` in domain/people.ts: their counts leave it out too); then the
 * user's level for the room (default: DMs all, other rooms mentions) and mute.
 */
export function pushReason(
  msg: Sequenced,
  r: Recipient,
  ctx: { direct: boolean; seen: SeenRanges; now: Date },
): Reason | null {
  if (r.userId === msg.authorId || r.isBot || sawLive(ctx.seen, r.userId, msg.seq)) return null;
  if (msg.authorId !== null && r.blocked?.has(msg.authorId)) return null;
  if (r.mutedUntil && r.mutedUntil > ctx.now) return null;
  const mentioned = msg.mentions.includes(r.userId);
  if (r.level === "nothing") return null;
  if (r.level === "mentions") return mentioned ? "mention" : null;
  return mentioned ? "mention" : ctx.direct ? "direct" : "all";
}
