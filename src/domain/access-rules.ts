import type { RoomRow } from "../db/schema";
import { AppError, forbidden, notFound } from "../errors";
import type { RoomRole } from "../protocol";

/**
 * Who may do what in a room. The rules, in one place, as pure functions of what is known about
 * the room, the user's membership and the user; the worker applies them to what it reads from
 * PostgreSQL, the room object to what it keeps itself.
 * - public rooms: anyone signed in reads them; posting or connecting makes you a member;
 * - private and direct rooms: members only; to anyone else they do not exist (404, not 403),
 *   except to global admins, who can see and moderate every room but must be added to post;
 * - a banned user is refused everything in that room (403 `banned`; a private room stays 404);
 * - room admins are its owner and admins; global admins are above every room role.
 */
export type Membership = { role: RoomRole | null; banned: boolean };
export type RoomAccess = Membership & { room: RoomRow };
type Who = { isAdmin: boolean };

export const isModerator = (who: Who & { role: RoomRole | null }) =>
  who.isAdmin || who.role === "owner" || who.role === "admin";

export const bannedError = () => new AppError("banned", 403, "You are banned from this room");

/** May see the room at all (else it does not exist for this user). */
export function visible(room: RoomRow | undefined, m: Membership, user: Who): RoomAccess {
  if (!room) throw notFound("Room");
  if (room.kind !== "public" && m.role === null && !user.isAdmin) throw notFound("Room");
  return { room, ...m };
}

/** May read the room and its history. */
export function reader(room: RoomRow | undefined, m: Membership, user: Who): RoomAccess {
  const access = visible(room, m, user);
  if (access.banned) throw bannedError();
  return access;
}

/**
 * May write in the room (post, connect, edit). `joins`: a non-member of a public room becomes a
 * member on the way in (unless `join` is false).
 */
export function writer(
  room: RoomRow | undefined,
  m: Membership,
  user: Who,
  join = true,
): RoomAccess & { joins: boolean } {
  const access = reader(room, m, user);
  if (access.role !== null) return { ...access, joins: false };
  if (access.room.kind === "public" && join) return { ...access, role: "member", joins: true };
  throw new AppError("not_a_member", 403, "Join the room first");
}

export function roomAdmin(room: RoomRow | undefined, m: Membership, user: Who): RoomAccess {
  const access = reader(room, m, user);
  if (!isModerator({ isAdmin: user.isAdmin, role: access.role })) throw forbidden("Room admin only");
  return access;
}

export function refuseDirect(access: RoomAccess, what: string) {
  if (access.room.kind === "direct")
    throw new AppError("direct_room", 403, `Direct conversations cannot be ${what}`);
}

/**
 * A direct message to someone who blocked you: a code that says nothing of a block (opening the
 * conversation answers 404, as for a deactivated account).
 */
export const directUnavailable = () =>
  new AppError("direct_unavailable", 403, "This user cannot receive direct messages from you");

/** A direct message to someone you blocked: you are told why. */
export const youBlocked = () =>
  new AppError("user_blocked", 409, "You blocked this user; unblock them to message them");
