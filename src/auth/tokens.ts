import { errors as joseErrors, jwtVerify, SignJWT } from "jose";
import type { Config } from "../env";
import { unauthorized } from "../errors";

const ALG = "HS256";

/** `sid` names the session (the device) the token was issued to: revoking it stops the token. */
export type TokenClaims = { userId: number; tokenVersion: number; sessionId: string };

const keyOf = (config: Config) => new TextEncoder().encode(config.SECRET_KEY);

// The verifying key, imported once per secret (jose would import the raw bytes on every call).
// The key itself is kept, not a promise: a promise made during one request is not another's.
let verifier: { secret: string; key: CryptoKey } | null = null;
async function verifyKey(config: Config): Promise<CryptoKey> {
  if (verifier?.secret === config.SECRET_KEY) return verifier.key;
  const key = await crypto.subtle.importKey("raw", keyOf(config), { name: "HMAC", hash: "SHA-256" }, false, [
    "verify",
  ]);
  verifier = { secret: config.SECRET_KEY, key };
  return key;
}

/**
 * Signs an access token. With `issuedAt` (seconds) the same claims give the same bytes (HS256 is
 * deterministic): the refresh grace window re-issues the very token it issued before.
 */
export async function issueAccessToken(config: Config, claims: TokenClaims, issuedAt?: number) {
  const expiresIn = config.ACCESS_TOKEN_TTL_SECONDS;
  const iat = issuedAt ?? Math.floor(Date.now() / 1000);
  const accessToken = await new SignJWT({ ver: claims.tokenVersion, sid: claims.sessionId })
    .setProtectedHeader({ alg: ALG, typ: "JWT" })
    .setSubject(String(claims.userId))
    .setIssuer(config.JWT_ISSUER)
    .setAudience(config.JWT_AUDIENCE)
    .setIssuedAt(iat)
    .setExpirationTime(iat + expiresIn)
    .sign(keyOf(config));
  return { access_token: accessToken, token_type: "bearer" as const, expires_in: expiresIn };
}

/**
 * Tokens that verified lately, with the config they verified under and their `exp`: the same
 * bytes verify the same way until they expire, so a client's next request skips the HMAC and the
 * claim parsing. Only verified tokens enter (a flood of forged ones adds nothing); the oldest
 * leaves first. What can change between requests — revocation, the account — is not cached here:
 * the account object answers that on every request (auth/middleware.ts).
 */
const VERIFIED_MAX = 1000;
const verified = new Map<string, { config: Config; claims: TokenClaims; exp: number }>();

function remembered(config: Config, token: string): TokenClaims | undefined {
  const hit = verified.get(token);
  if (!hit || hit.config !== config) return undefined;
  // jose's rule, without a clock tolerance: expired once `exp` is not after now.
  if (hit.exp <= Math.floor(Date.now() / 1000)) {
    verified.delete(token);
    throw unauthorized("Token has expired");
  }
  return hit.claims;
}

function remember(config: Config, token: string, claims: TokenClaims, exp: number) {
  if (verified.size >= VERIFIED_MAX) verified.delete(verified.keys().next().value as string);
  verified.set(token, { config, claims, exp });
}

/** Verifies signature (HS256 only: `alg: none` and others are refused), `exp`, `iss` and `aud`. */
export async function verifyToken(config: Config, token: string): Promise<TokenClaims> {
  const known = remembered(config, token);
  if (known) return known;
  try {
    const { payload } = await jwtVerify(token, await verifyKey(config), {
      algorithms: [ALG],
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
      requiredClaims: ["sub", "exp", "iat", "sid"],
    });
    const userId = Number(payload.sub);
    const { ver: tokenVersion, sid: sessionId } = payload;
    if (!Number.isSafeInteger(userId) || typeof tokenVersion !== "number" || typeof sessionId !== "string")
      throw unauthorized("Invalid token");
    const claims = { userId, tokenVersion, sessionId };
    remember(config, token, claims, payload.exp as number);
    return claims;
  } catch (err) {
    if (err instanceof joseErrors.JWTExpired) throw unauthorized("Token has expired");
    if (err instanceof joseErrors.JOSEError) throw unauthorized("Invalid token");
    throw err;
  }
}
