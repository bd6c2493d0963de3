import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { type UploadRow, uploads } from "../db/files-schema";
import type { Config } from "../env";
import { AppError } from "../errors";
import type { Attachment, UploadOut } from "./attachment";

/** Advisory lock class of per-user upload bookkeeping (the second key is the user id). */
const QUOTA_LOCK = 22;

export type NewUpload = Omit<Attachment, "id"> & { id: string; userId: number };

export const fileNotFound = () => new AppError("file_not_found", 404, "No such file");

export const toAttachment = (r: UploadRow): Attachment => ({
  id: r.id,
  name: r.name,
  type: r.type,
  size: r.size,
  width: r.width,
  height: r.height,
});

export const toUploadOut = (r: UploadRow, ttlSeconds: number): UploadOut => ({
  ...toAttachment(r),
  created_at: r.createdAt.toISOString(),
  expires_at: r.messageId ? null : new Date(r.createdAt.getTime() + ttlSeconds * 1000).toISOString(),
});

/**
 * Records an upload before its bytes go to R2, within the user's limits. One transaction under a
 * per-user lock, so that concurrent uploads cannot together pass the quota; the row counts
 * against it from now on (also while it streams), and is swept if the upload never completes.
 */
export async function reserve(db: Db, config: Config, u: NewUpload): Promise<UploadRow> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${QUOTA_LOCK}, ${u.userId})`);
    const [use] = await tx
      .select({
        bytes: sql<string>`coalesce(sum(${uploads.size}), 0)`,
        pending: sql<number>`(count(*) filter (where ${uploads.messageId} is null))::int`,
        oldest: sql<
          string | null
        >`(min(${uploads.createdAt}) filter (where ${uploads.messageId} is null))::text`,
      })
      .from(uploads)
      .where(eq(uploads.userId, u.userId));
    checkLimits(config, u.size, Number(use?.bytes ?? 0), use?.pending ?? 0, use?.oldest ?? null);
    const [row] = await tx.insert(uploads).values(u).returning();
    if (!row) throw new Error("upload insert returned nothing");
    return row;
  });
}

function checkLimits(config: Config, size: number, used: number, pending: number, oldest: string | null) {
  if (pending >= config.FILES_MAX_PENDING) {
    const frees = oldest ? Date.parse(oldest) + config.FILES_UNATTACHED_TTL_SECONDS * 1000 : Date.now();
    throw Object.assign(
      new AppError(
        "too_many_pending_uploads",
        429,
        `At most ${config.FILES_MAX_PENDING} uploads may wait unattached; attach or delete some`,
      ),
      { retryAfterMs: Math.max(1000, frees - Date.now()) },
    );
  }
  if (used + size > config.FILES_QUOTA_BYTES) {
    throw new AppError(
      "quota_exceeded",
      413,
      `This upload would exceed your ${config.FILES_QUOTA_BYTES}-byte quota`,
      {
        quota_bytes: config.FILES_QUOTA_BYTES,
        used_bytes: used,
      },
    );
  }
}

/** The bytes are in R2: the upload may now be attached. */
export async function markReady(db: Db, id: string): Promise<UploadRow> {
  const [row] = await db.update(uploads).set({ state: "ready" }).where(eq(uploads.id, id)).returning();
  if (!row) throw fileNotFound();
  return row;
}

/** Forgets an upload; the trigger queues its blob (the caller tells the sweeper). */
export async function forget(db: Db, id: string): Promise<void> {
  await db.delete(uploads).where(eq(uploads.id, id));
}

export async function findReady(db: Db, id: string): Promise<UploadRow> {
  const [row] = await db
    .select()
    .from(uploads)
    .where(and(eq(uploads.id, id), eq(uploads.state, "ready")));
  if (!row) throw fileNotFound();
  return row;
}

/** The uploader takes back an upload no message holds (a message's files go with the message). */
export async function deletePending(db: Db, userId: number, id: string): Promise<void> {
  const mine = and(eq(uploads.id, id), eq(uploads.userId, userId));
  const gone = await db
    .delete(uploads)
    .where(and(mine, sql`${uploads.messageId} is null`))
    .returning({ id: uploads.id });
  if (gone.length > 0) return;
  const [held] = await db.select({ id: uploads.id }).from(uploads).where(mine);
  if (held)
    throw new AppError("file_attached", 409, "The file belongs to a message; delete the message instead");
  throw fileNotFound();
}
