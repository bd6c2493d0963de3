import { asc, eq, sql } from "drizzle-orm";
import { accountStub } from "../account/account";
import { dummyHash, hashPassword, needsRehash, verifyPassword } from "../auth/password";
import { toSession } from "../auth/session";
import type { Scope, UserScope } from "../context";
import { uniqueViolation } from "../db/errors";
import { messages, roomMembers, rooms, type UserRow, users } from "../db/schema";
import { AppError, forbidden, notFound, unauthorized } from "../errors";
import { fileSweeper } from "../files/sweeper";
import { closeInbox } from "../inbox/notify";
import { CloseCode } from "../protocol";
import { roomStub } from "../room";
import { spend } from "./action-budget";
import { checkLoginAllowed, recordLoginFailure, recordLoginSuccess } from "./login-throttle";
import { tellRooms } from "./member-rooms";
import { PASSWORD_CHANGED } from "./session-sockets";
import { endSessions } from "./sessions";

export type NewUser = { username: string; email: string; password: string; full_name?: string | undefined };
export type UserPatch = {
  username?: string | undefined;
  email?: string | undefined;
  full_name?: string | null | undefined;
  is_admin?: boolean | undefined;
  is_active?: boolean | undefined;
};

const conflictFor = (constraint: string) =>
  constraint.includes("email")
    ? new AppError("email_taken", 409, "That email is already registered")
    : new AppError("username_taken", 409, "That username is taken");

/** Runs a write and turns a unique violation on users into a 409 with a precise code. */
async function guardUnique<T>(write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (err) {
    const constraint = uniqueViolation(err);
    if (constraint !== undefined) throw conflictFor(constraint);
    throw err;
  }
}

/** Signs up; each address gets `SIGNUPS_PER_ADDRESS_PER_HOUR` (each costs a password hash). */
export async function createUser(s: Scope, input: NewUser, address: string): Promise<UserRow> {
  const { db, config } = s;
  await spend(db, `signup:${address}`, config.SIGNUPS_PER_ADDRESS_PER_HOUR, "too_many_signups");
  const passwordHash = await hashPassword(input.password, config.PBKDF2_ITERATIONS);
  const [row] = await guardUnique(
    db
      .insert(users)
      .values({
        username: input.username,
        email: input.email,
        fullName: input.full_name ?? null,
        passwordHash,
      })
      .returning(),
  );
  if (!row) throw new Error("insert returned no row");
  return row;
}

/**
 * The same 401 for an unknown user and a wrong password, at the same cost; throttled per
 * account and client address (domain/login-throttle.ts).
 */
export async function checkCredentials(
  s: Scope,
  username: string,
  password: string,
  address: string,
): Promise<UserRow> {
  const { db, config } = s;
  await checkLoginAllowed(db, username, address);
  const [user] = await db
    .select()
    .from(users)
    .where(eq(sql`lower(${users.username})`, username.trim().toLowerCase()))
    .limit(1);
  const ok = await verifyPassword(password, user?.passwordHash ?? dummyHash(config.PBKDF2_ITERATIONS));
  if (!user || !ok) {
    await recordLoginFailure(db, username, address, config.LOGIN_THROTTLE_FIRST_DELAY_SECONDS);
    throw unauthorized("Incorrect username or password");
  }
  if (!user.isActive) throw unauthorized("Account is disabled");
  await recordLoginSuccess(db, username, address);
  if (needsRehash(user.passwordHash, config.PBKDF2_ITERATIONS)) {
    const passwordHash = await hashPassword(password, config.PBKDF2_ITERATIONS);
    await db.update(users).set({ passwordHash }).where(eq(users.id, user.id));
  }
  return user;
}

export async function listUsers(s: Scope, limit: number, offset: number): Promise<UserRow[]> {
  const { db } = s;
  return db.select().from(users).orderBy(asc(users.id)).limit(limit).offset(offset);
}

/**
 * Self may change profile fields; only a global admin may change roles or (de)activate.
 * Deactivating revokes the user's tokens and closes their open sockets in every room (4403).
 */
export async function updateUser(s: UserScope, userId: number, patch: UserPatch): Promise<UserRow> {
  const { db, env, user: actor } = s;
  if (actor.id !== userId && !actor.isAdmin) throw forbidden("You can only update your own account");
  if (!actor.isAdmin && (patch.is_admin !== undefined || patch.is_active !== undefined)) {
    throw forbidden("Only a global admin can change is_admin or is_active");
  }
  const [row] = await guardUnique(
    db
      .update(users)
      .set({
        ...(patch.username !== undefined && { username: patch.username }),
        ...(patch.email !== undefined && { email: patch.email }),
        ...(patch.full_name !== undefined && { fullName: patch.full_name }),
        ...(patch.is_admin !== undefined && { isAdmin: patch.is_admin }),
        // Deactivating also revokes the user's tokens.
        ...(patch.is_active !== undefined && {
          isActive: patch.is_active,
          tokenVersion: sql`${users.tokenVersion} + 1`,
        }),
        updatedAt: new Date(),
      })
      .where(eq(users.id, userId))
      .returning(),
  );
  if (!row) throw notFound("User");
  await accountStub(env, row.id).updated(row.id, toSession(row));
  // Privilege changes are live: open sockets close, or act with the new rights at once.
  if (patch.is_active === false) {
    await closeInbox(env, userId, CloseCode.forbidden, "account disabled");
    await tellRooms(db, env, userId, (room) =>
      room.closeUser(userId, CloseCode.forbidden, "account disabled"),
    );
  } else if (patch.is_admin !== undefined) {
    await tellRooms(db, env, userId, (room) => room.userChanged(userId, { isAdmin: row.isAdmin }));
  }
  return row;
}

/**
 * Deletes an account (the user themself or a global admin). Their messages stay in their rooms
 * with the author recorded as deleted, rooms they owned stay without an owner, and their open
 * sockets close at once (4403).
 */
export async function deleteUser(s: UserScope, userId: number): Promise<void> {
  const { db, env, user: actor } = s;
  if (actor.id !== userId && !actor.isAdmin) throw forbidden("You can only delete your own account");
  // Every room that may know this user: a member of it, or holding their messages.
  const [memberOf, wroteIn, owned] = await Promise.all([
    db.select({ roomId: roomMembers.roomId }).from(roomMembers).where(eq(roomMembers.userId, userId)),
    db.selectDistinct({ roomId: messages.roomId }).from(messages).where(eq(messages.userId, userId)),
    db.select().from(rooms).where(eq(rooms.ownerId, userId)),
  ]);
  const deleted = await db.transaction(async (tx) => {
    // The account's row first: a room's copy holds it (`key share`, room/outbox/copy-statements.ts)
    // while it inserts this author's events, so the strip below, a statement after this wait,
    // sees them; a copy that comes later waits for this transaction and finds the author gone.
    await tx.execute(sql`select 1 from users where id = ${userId} for update`);
    // Their files go with them (the uploads cascade; the trigger queues the blobs), and so do
    // their messages' lists of them.
    await tx.execute(sql`update messages set data = data - 'attachments'
      where user_id = ${userId} and data ? 'attachments'`);
    return tx.delete(users).where(eq(users.id, userId)).returning({ id: users.id });
  });
  if (deleted.length === 0) throw notFound("User");
  await accountStub(env, userId).updated(userId, null);
  await closeInbox(env, userId, CloseCode.forbidden, "account deleted");
  await fileSweeper(env).kick();
  const roomIds = new Set([...memberOf, ...wroteIn].map((r) => r.roomId));
  await Promise.all([
    ...[...roomIds].map((id) => roomStub(env, id).userDeleted(userId)),
    ...owned.map((r) => roomStub(env, r.id).roomChanged({ ...r, ownerId: null })),
  ]);
}

/**
 * Verifies the current password, stores the new one, ends every other session and revokes every
 * access token issued before, including the ones open sockets were opened with (closed with
 * 4401). The caller's session continues (the handler issues it a fresh access token).
 */
/** Checking the current password is a login attempt: the same throttle applies (login-throttle.ts). */
export async function changePassword(
  s: UserScope,
  current: string,
  next: string,
  address: string,
): Promise<UserRow> {
  const { db, env, config, user } = s;
  await checkLoginAllowed(db, user.username, address);
  const [stored] = await db.select({ hash: users.passwordHash }).from(users).where(eq(users.id, user.id));
  if (!stored || !(await verifyPassword(current, stored.hash))) {
    await recordLoginFailure(db, user.username, address, config.LOGIN_THROTTLE_FIRST_DELAY_SECONDS);
    throw new AppError("wrong_password", 400, "Current password is incorrect");
  }
  await recordLoginSuccess(db, user.username, address);
  const passwordHash = await hashPassword(next, config.PBKDF2_ITERATIONS);
  const [row] = await db
    .update(users)
    .set({ passwordHash, tokenVersion: sql`${users.tokenVersion} + 1`, updatedAt: new Date() })
    .where(eq(users.id, user.id))
    .returning();
  if (!row) throw notFound("User");
  await accountStub(env, row.id).updated(row.id, toSession(row));
  // One reason for every close: a socket of another session is closed twice (its session ended,
  // its token revoked), and the client must read the same whichever close reached it first.
  await closeInbox(env, user.id, CloseCode.unauthorized, PASSWORD_CHANGED);
  await endSessions(s, { except: user.sessionId ?? null }, "password_changed", PASSWORD_CHANGED);
  await tellRooms(db, env, user.id, (room) =>
    room.closeUser(user.id, CloseCode.unauthorized, PASSWORD_CHANGED),
  );
  return row;
}
