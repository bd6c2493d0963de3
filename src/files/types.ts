/**
 * What the service knows about file types: which it accepts by default, which a browser may show
 * inline, and the file name extensions that belong to each. The type itself is always sniffed
 * from the bytes (sniff.ts), never taken from the client.
 */

/**
 * Types a browser renders without running anything the file says: served `inline`, so a chat
 * can show them. Everything else (HTML, SVG, PDF, text, archives …) is served as an attachment,
 * even when an operator allows it, so an upload can never become a page on the API's origin.
 */
const MEDIA = [
  "image/png",
  "image/jpeg",
  "image/gif",
  "image/webp",
  "image/avif",
  "video/mp4",
  "video/webm",
  "audio/mpeg",
  "audio/ogg",
  "audio/wav",
];
const INLINE = new Set(MEDIA);

/** Accepted unless `FILES_ALLOWED_TYPES` says otherwise: pictures, media, documents, plain text. */
export const DEFAULT_ALLOWED_TYPES = [...MEDIA, "application/pdf", "application/zip", "text/plain"].join(",");

export const servedInline = (type: string) => INLINE.has(type);

/** Pictures whose width and height an attachment carries. */
export const isImage = (type: string) => type.startsWith("image/") && type !== "image/svg+xml";

/** Extensions a name may already end with for its type; the first is added when it ends otherwise. */
const EXTENSIONS: Record<string, string[]> = {
  "image/jpeg": ["jpg", "jpeg", "jpe", "jfif"],
  "image/tiff": ["tif", "tiff"],
  "video/mp4": ["mp4", "m4v"],
  "audio/ogg": ["ogg", "oga", "opus"],
  "text/plain": ["txt", "text", "log", "md", "markdown", "csv", "tsv", "json", "yaml", "yml", "ini", "toml"],
  "text/html": ["html", "htm"],
  "image/svg+xml": ["svg"],
  "application/octet-stream": ["bin"],
};

const MAX_NAME_CHARS = 200;

/**
 * The name an upload is stored and served under: the client's name without path or control
 * characters, ending in an extension of its real type — `cat.exe` holding a PNG becomes
 * `cat.exe.png`, so that saving it never produces a program.
 */
export function storedName(given: string, type: string, sniffedExt: string | null): string {
  const base =
    given
      .split(/[/\\]/)
      .at(-1)
      ?.replace(/[\p{Cc}\p{Cf}"]/gu, "")
      .trim()
      .slice(0, MAX_NAME_CHARS) || "file";
  const known = EXTENSIONS[type] ?? (sniffedExt ? [sniffedExt] : []);
  const ext = base.includes(".") ? (base.split(".").at(-1)?.toLowerCase() ?? "") : "";
  if (known.length === 0 || known.includes(ext)) return base;
  return `${base}.${known[0]}`;
}
