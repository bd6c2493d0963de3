import { eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { roomMembers } from "../db/schema";
import type { Bindings } from "../env";
import { roomStub } from "../room";

type RoomStub = ReturnType<typeof roomStub>;

/** Rooms told at once (each a call to a room object), as the inbox asks its rooms. */
const CONCURRENCY = 32;

/**
 * Every room the user belongs to hears of a change to them. Membership covers every room where
 * they can have a socket: connecting to a public room makes you a member. At most CONCURRENCY
 * calls are in flight, so a member of thousands of rooms does not open thousands at once.
 */
export async function tellRooms(
  db: Db,
  env: Bindings,
  userId: number,
  tell: (room: RoomStub) => Promise<unknown>,
) {
  const memberships = await db
    .select({ roomId: roomMembers.roomId })
    .from(roomMembers)
    .where(eq(roomMembers.userId, userId));
  let next = 0;
  const worker = async () => {
    while (next < memberships.length) {
      const { roomId } = memberships[next++] as (typeof memberships)[number];
      await tell(roomStub(env, roomId));
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, memberships.length) }, worker));
}
