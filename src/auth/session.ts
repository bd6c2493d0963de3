import type { UserRow } from "../db/schema";

/** What a request needs to know of its user: identity, rights, and whether the token still holds. */
export type SessionUser = Pick<UserRow, "id" | "username" | "isAdmin" | "isActive" | "tokenVersion">;

export const toSession = (u: SessionUser): SessionUser => ({
  id: u.id,
  username: u.username,
  isAdmin: u.isAdmin,
  isActive: u.isActive,
  tokenVersion: u.tokenVersion,
});
