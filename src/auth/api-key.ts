import { and, eq, isNull } from "drizzle-orm";
import { ulid } from "ulidx";
import type { Db } from "../db/client";
import { apiKeys } from "../db/reach-schema";
import { users } from "../db/schema";
import { AppError, unauthorized } from "../errors";
import { toBase64Url } from "../push/base64url";
import { type SessionUser, toSession } from "./session";

/**
 * Bot API keys: `rck_<key id>_<secret>`, a bearer credential beside JWTs. Only a SHA-256 of the
 * secret is stored (the secret is 32 random bytes, so a slow hash would add nothing); a key names
 * the rooms and actions it may be used for, and a revoked key fails at the next request.
 */
export const API_KEY_PREFIX = "rck_";
export const ApiActions = ["read", "post", "react"] as const;
export type ApiAction = (typeof ApiActions)[number];
export type ApiKeyScope = { keyId: string; rooms: number[]; actions: ApiAction[] };

const ID_CHARS = 26;

export const isApiKey = (token: string) => token.startsWith(API_KEY_PREFIX);

async function sha256Hex(text: string) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** A new key: the full key (shown once), its id and the hash to store. */
export async function mintApiKey() {
  const id = ulid();
  const secret = toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
  return { id, key: `${API_KEY_PREFIX}${id}_${secret}`, hash: await sha256Hex(secret) };
}

function sameHex(a: string, b: string) {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** Resolves a key to its bot and scope; the same 401 for an unknown, wrong or revoked key. */
export async function authenticateApiKey(
  db: Db,
  token: string,
): Promise<{ user: SessionUser; scope: ApiKeyScope }> {
  const id = token.slice(API_KEY_PREFIX.length, API_KEY_PREFIX.length + ID_CHARS);
  const secret = token.slice(API_KEY_PREFIX.length + ID_CHARS + 1);
  const invalid = unauthorized("Invalid or revoked API key");
  if (!/^[0-9A-Z]{26}$/.test(id) || !secret) throw invalid;
  const [row] = await db
    .select({ key: apiKeys, user: users })
    .from(apiKeys)
    .innerJoin(users, eq(users.id, apiKeys.userId))
    .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
    .limit(1);
  if (!row || !sameHex(row.key.hash, await sha256Hex(secret))) throw invalid;
  if (!row.user.isActive) throw unauthorized("Account is disabled");
  const scope = { keyId: id, rooms: row.key.rooms, actions: row.key.actions as ApiAction[] };
  return { user: toSession(row.user), scope };
}

/** Refuses what the key was not given: 403 `api_key_scope`. */
export function requireScope(scope: ApiKeyScope, action: ApiAction | null, roomId: number | null) {
  if (action === null || roomId === null)
    throw new AppError("api_key_scope", 403, "API keys may only read, post and react in rooms");
  if (!scope.actions.includes(action))
    throw new AppError("api_key_scope", 403, `This API key may not ${action}`);
  if (!scope.rooms.includes(roomId))
    throw new AppError("api_key_scope", 403, "This API key is not for this room");
}
