import { z } from "@hono/zod-openapi";
import { UploadSchema as Upload } from "../protocol";

export type { Upload as UploadOut } from "../protocol";
export { type Attachment, AttachmentSchema } from "../protocol";

/** The REST shape of an upload: the protocol's, named for the OpenAPI document. */
export const UploadSchema = z.object(Upload.shape).openapi("Upload");
