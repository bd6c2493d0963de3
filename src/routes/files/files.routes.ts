import { createRoute, z } from "@hono/zod-openapi";
import { UploadSchema } from "../../files/attachment";
import { FILE_ID } from "../../protocol";
import { errorResponses, jsonResponse, signedIn } from "../schemas";

export const UPLOAD_PATH = "/files";

const fileParams = z.object({
  file_id: z
    .string()
    .regex(FILE_ID, "Must be a file id")
    .openapi({ param: { name: "file_id", in: "path" }, example: "01JD7Z6X9Q4W8V2K3M5N7P9R1T" }),
});

const Binary = z.string().openapi({ type: "string", format: "binary" });

export const upload = createRoute({
  ...signedIn("files"),
  method: "post",
  operationId: "uploadFile",
  path: UPLOAD_PATH,
  summary: "Upload a file (the raw bytes as the body), to attach to a message",
  description:
    "The body is the file itself, with a Content-Length (no multipart form: the bytes stream to storage as they " +
    "arrive; a `multipart/*` body is refused with 415). Its type is sniffed from the bytes, whatever the name or Content-Type say, and must be one of " +
    "FILES_ALLOWED_TYPES. Unattached uploads are deleted at `expires_at`.",
  request: {
    query: z.object({
      name: z
        .string()
        .min(1)
        .max(1000)
        .default("file")
        .openapi({ description: "The file's name", example: "cat.png" }),
    }),
    body: { required: true, content: { "application/octet-stream": { schema: Binary } } },
  },
  responses: {
    201: jsonResponse(UploadSchema, "Stored; attach it by its id within the time given"),
    ...errorResponses(
      [400, "upload_incomplete"],
      401,
      [411, "length_required"],
      [413, "file_too_large", "quota_exceeded"],
      [415, "multipart_not_supported"],
      [422, "unsupported_file_type", "empty_file", "validation_error", "invalid_text"],
      [429, "too_many_pending_uploads"],
    ),
  },
});

export const download = createRoute({
  ...signedIn("files"),
  method: "get",
  operationId: "downloadFile",
  path: "/files/{file_id}",
  summary: "Download a file (access checked against the room's members at every request)",
  description:
    "Supports `Range` (one range: 206) and `If-None-Match` (304). Pictures and media are served inline, " +
    "everything else as an attachment; always with `X-Content-Type-Options: nosniff` and " +
    "`Cache-Control: private, no-cache`, so every use is checked again.",
  request: { params: fileParams },
  responses: {
    200: { description: "The file", content: { "application/octet-stream": { schema: Binary } } },
    206: { description: "The requested range", content: { "application/octet-stream": { schema: Binary } } },
    304: { description: "Unchanged since the ETag you sent (and you may still read it)" },
    ...errorResponses(401, [403, "banned"], [404, "file_not_found"], [416, "range_not_satisfiable"], 422),
  },
});

export const remove = createRoute({
  ...signedIn("files"),
  method: "delete",
  operationId: "deleteUpload",
  path: "/files/{file_id}",
  summary: "Delete one of your uploads that no message holds",
  request: { params: fileParams },
  responses: {
    204: { description: "Deleted" },
    ...errorResponses(401, [404, "file_not_found"], [409, "file_attached"], 422),
  },
});
