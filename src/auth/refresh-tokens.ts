import type { Config } from "../env";

/**
 * Refresh tokens: opaque to clients, `<user id>.<session id>.<43 chars>`. The prefix routes a
 * refresh to the user's account object without a lookup; the random part is what proves it.
 * PostgreSQL keeps only SHA-256 of the whole token.
 *
 * A token's successor is derived, not drawn: HMAC(SECRET_KEY, token). So the grace window can
 * answer a just-retired token with the very pair it was rotated to, without ever storing a token
 * (or keeping one in memory that an eviction would lose); only a holder of the old token can
 * compute it, and only while the server still accepts the old token.
 */
const PATTERN = /^(\d{1,10})\.([0-9a-f-]{36})\.([A-Za-z0-9_-]{43})$/;

const b64url = (bytes: ArrayBuffer | Uint8Array) =>
  btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");

export type RefreshTokenParts = { userId: number; sessionId: string };

export function parseRefreshToken(token: string): RefreshTokenParts | null {
  const m = PATTERN.exec(token);
  if (!m) return null;
  const userId = Number(m[1]);
  return Number.isSafeInteger(userId) && userId > 0 ? { userId, sessionId: m[2] as string } : null;
}

/** A fresh token: 32 random bytes. */
export const newRefreshToken = (p: RefreshTokenParts) =>
  `${p.userId}.${p.sessionId}.${b64url(crypto.getRandomValues(new Uint8Array(32)))}`;

/** The token `token` rotates to (see above). */
export async function successorOf(config: Pick<Config, "SECRET_KEY">, token: string, p: RefreshTokenParts) {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(config.SECRET_KEY),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`roomcast-refresh:${token}`));
  return `${p.userId}.${p.sessionId}.${b64url(mac)}`;
}

/** What PostgreSQL stores: SHA-256, hex. */
export async function hashToken(token: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
