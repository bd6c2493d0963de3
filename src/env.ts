import { z } from "zod";
import { DEFAULT_ITERATIONS } from "./auth/password";
import { AppError } from "./errors";
import { DEFAULT_ALLOWED_TYPES } from "./files/types";

const intVar = (fallback: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

export const ConfigSchema = z.object({
  // HS256 keys shorter than the hash output weaken the MAC; refuse to serve with one.
  SECRET_KEY: z
    .string({ error: "SECRET_KEY is not set" })
    .refine((s) => new TextEncoder().encode(s).byteLength >= 32, "SECRET_KEY must be at least 32 bytes"),
  DATABASE_URL: z.url({ error: "DATABASE_URL must be a postgres:// URL" }),
  DB_WS_PROXY: z.string().min(1).optional(),
  JWT_ISSUER: z.string().min(1).default("roomcast"),
  JWT_AUDIENCE: z.string().min(1).default("roomcast-api"),
  // Short-lived access tokens; a refresh token (sliding) keeps the session (docs: README, Sessions).
  ACCESS_TOKEN_TTL_SECONDS: intVar(900, 5, 60 * 60 * 24),
  REFRESH_TOKEN_TTL_SECONDS: intVar(60 * 60 * 24 * 30, 60, 60 * 60 * 24 * 365),
  /** How long a just-rotated refresh token still answers with the pair it was rotated to (two tabs). */
  REFRESH_GRACE_SECONDS: intVar(10, 0, 300),
  /** People directory searches per user per minute (GET /user/search). */
  DIRECTORY_SEARCHES_PER_MINUTE: intVar(30, 1, 10_000),
  /** Blocks and unblocks per user per minute (PUT/DELETE /user/blocks): each tells all their rooms. */
  BLOCK_CHANGES_PER_MINUTE: intVar(30, 1, 10_000),
  // 100,000 is the ceiling of Cloudflare's production runtime (workerd #1346); see docs/ARCHITECTURE.md.
  PBKDF2_ITERATIONS: intVar(DEFAULT_ITERATIONS, 10_000, DEFAULT_ITERATIONS),
  // Room limits (docs/protocol.md). Each is answered with an error frame, never a silent drop.
  MESSAGE_MAX_CHARS: intVar(4000, 1, 100_000),
  WS_MAX_FRAME_BYTES: intVar(16_384, 256, 1_048_576),
  WS_SENDS_PER_SECOND: intVar(10, 1, 10_000),
  WS_SEND_BURST: intVar(20, 1, 100_000),
  WS_MAX_SOCKETS_PER_USER: intVar(5, 1, 1000),
  /** Characters a `sync=1` socket may have unconfirmed (sent, not echoed); past it: close 4408. */
  WS_SEND_WINDOW_CHARS: intVar(1_048_576, 16_384, 64 * 1_048_576),
  /** Characters a socket that does not echo `sync` may receive per connection; past it: close 4408. */
  WS_UNSYNCED_MAX_CHARS: intVar(16 * 1_048_576, 65_536, 1024 * 1_048_576),
  /** Events the room object keeps after they reached PostgreSQL, for cheap resume and idempotent retries. */
  ROOM_CACHE_EVENTS: intVar(1000, 1, 100_000),
  /** The longest gap a resume replays; beyond it the client is told to refetch history. */
  RESUME_MAX_EVENTS: intVar(10_000, 1, 1_000_000),
  /** Events a user's inbox channel keeps for resume; a longer gap answers `recovered: false`. */
  INBOX_KEEP_EVENTS: intVar(1000, 1, 100_000),
  /** `/ws/me` sockets per user (all devices together). */
  INBOX_MAX_SOCKETS: intVar(10, 1, 1000),
  // Files (README, Files). Uploads stream through the worker, which enforces all of these.
  /** Largest upload in bytes (413 `file_too_large`); the platform's request body limit is 100 MB. */
  FILES_MAX_BYTES: intVar(25 * 1024 * 1024, 1, 100 * 1024 * 1024),
  /** Bytes one user may keep stored, attached or not (413 `quota_exceeded`). */
  FILES_QUOTA_BYTES: intVar(1024 * 1024 * 1024, 1, Number.MAX_SAFE_INTEGER),
  /** Uploads one user may hold unattached at once (429 `too_many_pending_uploads`). */
  FILES_MAX_PENDING: intVar(50, 1, 10_000),
  /** An upload not attached to a message within this time is deleted. */
  FILES_UNATTACHED_TTL_SECONDS: intVar(3600, 1, 7 * 24 * 3600),
  /** Types accepted, as sniffed from the bytes (comma-separated MIME types). */
  FILES_ALLOWED_TYPES: z
    .string()
    .default(DEFAULT_ALLOWED_TYPES)
    .transform(
      (s) =>
        new Set(
          s
            .split(",")
            .map((t) => t.trim().toLowerCase())
            .filter(Boolean),
        ),
    ),
  /** Bearer secret a scraper sends to GET /metrics; unset: only global admins may read it. */
  METRICS_TOKEN: z.string().min(32, "METRICS_TOKEN must be at least 32 characters").optional(),
  // Reaching people who are away (docs/notifications.md). Without the VAPID pair, Web Push is off.
  VAPID_PUBLIC_KEY: z.string().min(1).optional(),
  VAPID_PRIVATE_KEY: z.string().min(1).optional(),
  VAPID_SUBJECT: z
    .string()
    .regex(/^(mailto:|https:)/, "VAPID_SUBJECT must be mailto: or https:")
    .default("mailto:admin@localhost"),
  /** How long a push waits, so that reading the message on another device cancels it. */
  PUSH_DELAY_MS: intVar(3000, 0, 600_000),
  /** First push retry delay after a 429/5xx; it doubles per attempt up to ten minutes. */
  PUSH_RETRY_BASE_MS: intVar(5000, 10, 600_000),
  /** First webhook retry delay; it doubles per attempt up to an hour. */
  WEBHOOK_RETRY_BASE_MS: intVar(10_000, 10, 3_600_000),
  /** An endpoint failing for this long is disabled (visible in its state). */
  WEBHOOK_DISABLE_AFTER_MS: intVar(24 * 3_600_000, 100, 7 * 24 * 3_600_000),
  // Abuse limits (README "Security and limits"; issue 18).
  /** Header a trusted proxy sets with the client's address, or `none` (src/middleware/client-address.ts). */
  TRUSTED_PROXY_HEADER: z
    .string()
    .regex(/^[a-z0-9-]+$/i, "TRUSTED_PROXY_HEADER must be a header name or none")
    .transform((s) => s.toLowerCase())
    .default("cf-connecting-ip"),
  /** A throttled login's first wait after the free failures (doubles per failure, ≤ 15 min). */
  LOGIN_THROTTLE_FIRST_DELAY_SECONDS: intVar(1, 1, 900),
  SIGNUPS_PER_ADDRESS_PER_HOUR: intVar(10, 1, 1_000_000),
  ROOMS_CREATED_PER_USER_PER_HOUR: intVar(20, 1, 1_000_000),
  DMS_OPENED_PER_USER_PER_HOUR: intVar(20, 1, 1_000_000),
  /** Time budget of one search or mentions query in PostgreSQL (statement_timeout). */
  SEARCH_TIMEOUT_MS: intVar(3000, 1, 60_000),
  /** Events a room holds not yet copied to PostgreSQL; past it writes are refused (503 `backlog_full`). */
  ROOM_BACKLOG_MAX_EVENTS: intVar(10_000, 1, 1_000_000),
  /** Socket connects per user per room: a token bucket (burst, refill per minute); 4429 past it. */
  WS_CONNECT_BURST: intVar(10, 1, 10_000),
  WS_CONNECTS_PER_MINUTE: intVar(30, 1, 600_000),
  /** Room sockets one user may hold open across all rooms, counted by their inbox object. */
  WS_MAX_SOCKETS_ACROSS_ROOMS: intVar(100, 1, 100_000),
});

export type Config = z.infer<typeof ConfigSchema>;

/** Every configuration variable, as wrangler provides it: a string, or absent. */
export type ConfigVars = { [K in keyof z.input<typeof ConfigSchema>]?: string };

/**
 * The worker's bindings: the configuration plus the room objects. Declared in
 * `worker-env.d.ts` (as `wrangler types` would), so that no module imports the room class for it.
 */
export type Bindings = Cloudflare.Env;

const cache = new WeakMap<object, Config>();

/** Validates the bindings once per isolate; a bad configuration answers every request with 500. */
export function loadConfig(env: Bindings): Config {
  const hit = cache.get(env);
  if (hit) return hit;
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    console.error("invalid configuration", z.prettifyError(parsed.error));
    throw new AppError("server_misconfigured", 500, "The server is not configured correctly");
  }
  cache.set(env, parsed.data);
  return parsed.data;
}
