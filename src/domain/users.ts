import { asc, eq, sql } from "drizzle-orm";
import { dummyHash, hashPassword, needsRehash, verifyPassword } from "../auth/password";
import { type Db, uniqueViolation } from "../db/client";
import { roomMembers, type UserRow, users } from "../db/schema";
import type { Bindings, Config } from "../env";
import { AppError, forbidden, notFound, unauthorized } from "../errors";
import { roomStub } from "../room/stub";

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

export async function createUser(db: Db, config: Config, input: NewUser): Promise<UserRow> {
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

/** The same 401 for an unknown user and a wrong password, at the same cost. */
export async function checkCredentials(
  db: Db,
  config: Config,
  username: string,
  password: string,
): Promise<UserRow> {
  const [user] = await db
    .select()
    .from(users)
    .where(eq(sql`lower(${users.username})`, username.trim().toLowerCase()))
    .limit(1);
  const ok = await verifyPassword(password, user?.passwordHash ?? dummyHash(config.PBKDF2_ITERATIONS));
  if (!user || !ok) throw unauthorized("Incorrect username or password");
  if (!user.isActive) throw unauthorized("Account is disabled");
  if (needsRehash(user.passwordHash, config.PBKDF2_ITERATIONS)) {
    const passwordHash = await hashPassword(password, config.PBKDF2_ITERATIONS);
    await db.update(users).set({ passwordHash }).where(eq(users.id, user.id));
  }
  return user;
}

export async function listUsers(db: Db, limit: number, offset: number): Promise<UserRow[]> {
  return db.select().from(users).orderBy(asc(users.id)).limit(limit).offset(offset);
}

/**
 * Self may change profile fields; only a global admin may change roles or (de)activate.
 * Deactivating revokes the user's tokens and closes their open sockets in every room (4403).
 */
export async function updateUser(
  db: Db,
  env: Bindings,
  actor: UserRow,
  userId: number,
  patch: UserPatch,
): Promise<UserRow> {
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
  if (patch.is_active === false) {
    const memberships = await db
      .select({ roomId: roomMembers.roomId })
      .from(roomMembers)
      .where(eq(roomMembers.userId, userId));
    await Promise.all(
      memberships.map((m) => roomStub(env, m.roomId).memberChanged(userId, null, "account disabled")),
    );
  }
  return row;
}

/** Verifies the current password, stores the new one and revokes every token issued before. */
export async function changePassword(
  db: Db,
  config: Config,
  user: UserRow,
  current: string,
  next: string,
): Promise<UserRow> {
  if (!(await verifyPassword(current, user.passwordHash))) {
    throw new AppError("wrong_password", 400, "Current password is incorrect");
  }
  const passwordHash = await hashPassword(next, config.PBKDF2_ITERATIONS);
  const [row] = await db
    .update(users)
    .set({ passwordHash, tokenVersion: sql`${users.tokenVersion} + 1`, updatedAt: new Date() })
    .where(eq(users.id, user.id))
    .returning();
  if (!row) throw notFound("User");
  return row;
}
