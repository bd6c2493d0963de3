import { and, asc, eq, gt, inArray, lte } from "drizzle-orm";
import type { Db } from "../db/client";
import { userBlocks } from "../db/people-schema";
import { notificationSettings } from "../db/reach-schema";
import { messages, roomMembers, rooms, users } from "../db/schema";
import { defaultLevel } from "../domain/notification-settings";
import type { Bindings } from "../env";
import type { RoomKind } from "../protocol";
import { pushReason, type Recipient } from "../push/decide";
import { preview } from "../push/payload";
import { pushQueueStub } from "../push/stub";
import type { SeenRanges } from "./seen";

/** Messages one run decides for; the rest waits for the next run. */
const BATCH = 200;
/** Members one room loads for the decision: larger rooms push their first members only (logged). */
const MAX_RECIPIENTS = 5000;

async function recipients(db: Db, roomId: number, kind: RoomKind): Promise<Recipient[]> {
  const rows = await db
    .select({
      userId: roomMembers.userId,
      isBot: users.isBot,
      level: notificationSettings.level,
      mutedUntil: notificationSettings.mutedUntil,
    })
    .from(roomMembers)
    .innerJoin(users, eq(users.id, roomMembers.userId))
    .leftJoin(
      notificationSettings,
      and(
        eq(notificationSettings.roomId, roomMembers.roomId),
        eq(notificationSettings.userId, roomMembers.userId),
      ),
    )
    .where(eq(roomMembers.roomId, roomId))
    .limit(MAX_RECIPIENTS);
  if (rows.length === MAX_RECIPIENTS)
    console.warn(`push: room ${roomId} has more members than one decision loads`);
  return rows.map((r) => ({ ...r, level: r.level ?? defaultLevel(kind), mutedUntil: r.mutedUntil ?? null }));
}

/** Each member's blocks among these authors: a blocker is not pushed for them (domain/people.ts, blockedAuthor). */
async function withBlocks(db: Db, roomId: number, people: Recipient[], authors: number[]) {
  if (people.length === 0 || authors.length === 0) return people;
  const members = db
    .select({ id: roomMembers.userId })
    .from(roomMembers)
    .where(eq(roomMembers.roomId, roomId));
  const rows = await db
    .select({ blocker: userBlocks.blockerId, blocked: userBlocks.blockedId })
    .from(userBlocks)
    .where(and(inArray(userBlocks.blockedId, authors), inArray(userBlocks.blockerId, members)));
  const of = new Map<number, Set<number>>();
  for (const r of rows) of.set(r.blocker, (of.get(r.blocker) ?? new Set()).add(r.blocked));
  return people.map((p): Recipient => ({ ...p, blocked: of.get(p.userId) }));
}

/** The members a message that does not mention them cannot push (src/courier/quiet.ts). */
const quietOf = (people: Recipient[]) =>
  people.length < MAX_RECIPIENTS
    ? people.filter((p) => p.isBot || p.level !== "all").map((p) => p.userId)
    : null;

/**
 * Decides the pushes for the room's messages in (`afterSeq`, `upTo`] and hands each to the
 * recipient's push queue. Returns the last seq decided and, when it read the members, the quiet
 * ones (null: not read, or not all of them). `seen`: what each member was sent live (connected
 * when the messages were copied, or on a socket that closed before: src/courier/seen.ts).
 */
export async function fanOutPushes(
  env: Bindings,
  db: Db,
  roomId: number,
  range: { afterSeq: number; upTo: number },
  seen: SeenRanges,
): Promise<{ done: number; quiet: number[] | null }> {
  const [room] = await db.select().from(rooms).where(eq(rooms.id, roomId));
  if (!room) return { done: range.upTo, quiet: null };
  const rows = await db
    .select({ m: messages, username: users.username })
    .from(messages)
    .leftJoin(users, eq(users.id, messages.userId))
    .where(and(eq(messages.roomId, roomId), gt(messages.seq, range.afterSeq), lte(messages.seq, range.upTo)))
    .orderBy(asc(messages.seq))
    .limit(BATCH);
  // A shadow-banned author's messages are visible to the author only: nobody is pushed for them.
  const wanted = rows.filter((r) => r.m.kind === "message" && r.m.content !== null && !r.m.hidden);
  const authors = [...new Set(wanted.flatMap((r) => (r.m.userId === null ? [] : [r.m.userId])))];
  const people =
    wanted.length > 0 ? await withBlocks(db, roomId, await recipients(db, roomId, room.kind), authors) : [];
  const ctx = { direct: room.kind === "direct", seen, now: new Date() };
  const sends: Promise<void>[] = [];
  for (const { m, username } of wanted) {
    for (const person of people) {
      const reason = pushReason({ seq: m.seq, authorId: m.userId, mentions: m.mentions ?? [] }, person, ctx);
      if (!reason) continue;
      const payload = {
        type: "message" as const,
        room_id: roomId,
        room_name: room.name,
        seq: m.seq,
        message_id: m.id,
        author: { id: m.userId, username },
        preview: preview(m.content ?? ""),
        reason,
      };
      sends.push(pushQueueStub(env, person.userId).enqueue(person.userId, payload));
    }
  }
  await Promise.all(sends);
  const done = rows.length === BATCH ? (rows.at(-1)?.m.seq ?? range.upTo) : range.upTo;
  return { done, quiet: wanted.length > 0 ? quietOf(people) : null };
}
