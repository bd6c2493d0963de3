import type { RoomRole, UserRef } from "../../protocol";

/**
 * Who a socket (or a REST call) belongs to, as the worker verified it. A socket keeps it in its
 * attachment, so that it survives hibernation; the room role is not kept there but read from the
 * room's roster when needed, so that a role change applies to open sockets at once.
 */
export type SocketUser = { user: UserRef; isAdmin: boolean };

/** Who is acting, with their role in this room. */
export type Actor = SocketUser & { role: RoomRole | null };

/** The tag of a user's sockets, to count and close them. */
export const userTag = (userId: number) => `u:${userId}`;

export const attachmentOf = (ws: WebSocket) => ws.deserializeAttachment() as SocketUser;
