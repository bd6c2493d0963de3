import { z } from "zod";
import { AppError } from "./errors";

/** Bindings as wrangler provides them: every var and secret is a string. */
export type Bindings = {
  SECRET_KEY?: string;
  DATABASE_URL?: string;
  /** Local only: host:port of the WebSocket-to-TCP bridge in front of the embedded PostgreSQL. */
  DB_WS_PROXY?: string;
  JWT_ISSUER?: string;
  JWT_AUDIENCE?: string;
  ACCESS_TOKEN_TTL_SECONDS?: string;
  PBKDF2_ITERATIONS?: string;
};

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
  ACCESS_TOKEN_TTL_SECONDS: intVar(3600, 60, 60 * 60 * 24 * 30),
  // 100,000 is the ceiling of Cloudflare's production runtime (workerd #1346); see docs/ARCHITECTURE.md.
  PBKDF2_ITERATIONS: intVar(100_000, 10_000, 100_000),
});

export type Config = z.infer<typeof ConfigSchema>;

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
