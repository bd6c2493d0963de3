import { z } from "@hono/zod-openapi";
import { AttachmentSchema } from "../protocol";

export { type Attachment, AttachmentSchema } from "../protocol";

/** An upload as its uploader sees it: an attachment to be, until `expires_at` unless attached. */
export const UploadSchema = AttachmentSchema.extend({
  created_at: z.string().openapi({ format: "date-time" }),
  expires_at: z
    .string()
    .nullable()
    .openapi({ format: "date-time", description: "Deleted then unless attached; null once attached" }),
}).openapi("Upload");

export type UploadOut = z.infer<typeof UploadSchema>;
