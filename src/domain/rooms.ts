import { and, desc, eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { type RoomRow, roomMembers, rooms, type UserRow } from "../db/schema";
import type { Bindings } from "../env";
import { notFound } from "../errors";
import { roomStub } from "../room/stub";
import { refuseDirect, requireRoomAdmin } from "./access";

export type NewRoom = { name: string; description?: string | null | undefined; kind: "public" | "private" };

/** The creator becomes the room's owner in the same transaction. */
export async function createRoom(db: Db, owner: UserRow, input: NewRoom): Promise<RoomRow> {
  return db.transaction(async (tx) => {
    const [room] = await tx
      .insert(rooms)
      .values({
        name: input.name,
        description: input.description ?? null,
        kind: input.kind,
        ownerId: owner.id,
      })
      .returning();
    if (!room) throw new Error("insert returned no row");
    await tx.insert(roomMembers).values({ roomId: room.id, userId: owner.id, role: "owner" });
    return room;
  });
}

/** Global admins see every room; everyone else the rooms they belong to. Newest first. */
export async function listRooms(db: Db, user: UserRow, limit: number, offset: number): Promise<RoomRow[]> {
  if (user.isAdmin) return db.select().from(rooms).orderBy(desc(rooms.id)).limit(limit).offset(offset);
  const rows = await db
    .select({ room: rooms })
    .from(rooms)
    .innerJoin(roomMembers, and(eq(roomMembers.roomId, rooms.id), eq(roomMembers.userId, user.id)))
    .orderBy(desc(rooms.id))
    .limit(limit)
    .offset(offset);
  return rows.map((r) => r.room);
}

export type RoomPatch = { name?: string | undefined; description?: string | null | undefined };

export async function updateRoom(db: Db, user: UserRow, roomId: number, patch: RoomPatch): Promise<RoomRow> {
  refuseDirect(await requireRoomAdmin(db, user, roomId), "renamed");
  const [row] = await db
    .update(rooms)
    .set({
      ...(patch.name !== undefined && { name: patch.name }),
      ...(patch.description !== undefined && { description: patch.description }),
      updatedAt: new Date(),
    })
    .where(eq(rooms.id, roomId))
    .returning();
  if (!row) throw notFound("Room");
  return row;
}

/** Deletes the room and its messages, then closes its sockets and clears its object's storage. */
export async function deleteRoom(db: Db, env: Bindings, user: UserRow, roomId: number): Promise<void> {
  await requireRoomAdmin(db, user, roomId);
  await db.delete(rooms).where(eq(rooms.id, roomId));
  await roomStub(env, roomId).destroy();
}
