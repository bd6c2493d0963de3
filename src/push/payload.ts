import { z } from "zod";

/** The longest preview a push carries; the app shows the rest when opened. */
export const PREVIEW_CHARS = 140;

/** What the service worker receives (decrypted) in `event.data.json()`. */
export const PushPayloadSchema = z.object({
  type: z.literal("message"),
  room_id: z.number().int(),
  room_name: z.string(),
  seq: z.number().int(),
  message_id: z.string(),
  author: z.object({ id: z.number().int().nullable(), username: z.string().nullable() }),
  preview: z.string(),
  reason: z.enum(["mention", "direct", "all"]),
});
export type PushPayload = z.infer<typeof PushPayloadSchema>;

/** A preview cut at a code point boundary (never half a surrogate pair). */
export function preview(text: string): string {
  const chars = [...text];
  return chars.length <= PREVIEW_CHARS ? text : `${chars.slice(0, PREVIEW_CHARS - 1).join("")}…`;
}
