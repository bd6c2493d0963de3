import { eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { roomMembers } from "../db/schema";
import type { Bindings } from "../env";
import { roomStub } from "../room";

type RoomStub = ReturnType<typeof roomStub>;

/**
 * Every room the user belongs to hears of a change to them. Membership covers every room where
 * they can have a socket: connecting to a public room makes you a member.
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
  await Promise.all(memberships.map((m) => tell(roomStub(env, m.roomId))));
}
