import type { UserScope } from "../context";
import type { UploadRow } from "../db/files-schema";
import { asSocketUser } from "../domain/messages";
import { AppError } from "../errors";
import { roomStub, unwrap } from "../room";
import { fileNotFound } from "./uploads";

/**
 * May this user download this file, now? An unattached upload: its uploader only. An attached
 * one: whoever the room's live roster lets read the room at this moment — asked of the room's
 * object on every download, so a member removed or banned a second ago is refused, and so is
 * everyone once the message is deleted (before its copy to PostgreSQL deletes the file). Refusals
 * that would reveal a private room are answered as "no such file".
 */
export async function requireFileReader(s: UserScope, row: UploadRow): Promise<void> {
  if (row.roomId === null) {
    if (row.userId !== s.user.id) throw fileNotFound();
    return;
  }
  try {
    const room = roomStub(s.env, row.roomId);
    await unwrap(room.attachmentReadable(row.roomId, asSocketUser(s.user), row.messageId ?? ""));
  } catch (err) {
    if (err instanceof AppError && err.status === 404) throw fileNotFound();
    throw err;
  }
}
