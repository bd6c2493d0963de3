import type { UserRow } from "../db/schema";

/**
 * What a request needs to know of its user: identity, rights, and whether the token still holds.
 * `sessionId` is the signed-in device the request's token belongs to (absent for credentials
 * that are not a session's).
 */
export type SessionUser = Pick<UserRow, "id" | "username" | "isAdmin" | "isActive" | "tokenVersion"> & {
  sessionId?: string;
  /** The users this one blocked, as the account object held them when the request was authenticated. */
  blocked?: number[];
};

export const toSession = (u: SessionUser): SessionUser => ({
  id: u.id,
  username: u.username,
  isAdmin: u.isAdmin,
  isActive: u.isActive,
  tokenVersion: u.tokenVersion,
});
