import { z } from "@hono/zod-openapi";

/** A file as a message carries it (REST, socket frames, history, replays, search). */
export const AttachmentSchema = z
  .object({
    id: z.string().openapi({ description: "The upload's id; download with GET /files/{id}" }),
    name: z.string().openapi({ example: "cat.png" }),
    type: z.string().openapi({ description: "Sniffed from the bytes", example: "image/png" }),
    size: z.number().int().openapi({ description: "Bytes" }),
    width: z.number().int().nullable().openapi({ description: "Pictures only" }),
    height: z.number().int().nullable().openapi({ description: "Pictures only" }),
  })
  .openapi("Attachment");

export type Attachment = z.infer<typeof AttachmentSchema>;

/** An upload as its uploader sees it: an attachment to be, until `expires_at` unless attached. */
export const UploadSchema = AttachmentSchema.extend({
  created_at: z.string().openapi({ format: "date-time" }),
  expires_at: z
    .string()
    .nullable()
    .openapi({ format: "date-time", description: "Deleted then unless attached; null once attached" }),
}).openapi("Upload");

export type UploadOut = z.infer<typeof UploadSchema>;
