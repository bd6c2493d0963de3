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

/** Verifies signature (HS256 only: `alg: none` and others are refused), `exp`, `iss` and `aud`. */
export async function verifyToken(config: Config, token: string): Promise<TokenClaims> {
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
    return { userId, tokenVersion, sessionId };
  } catch (err) {
    if (err instanceof joseErrors.JWTExpired) throw unauthorized("Token has expired");
    if (err instanceof joseErrors.JOSEError) throw unauthorized("Invalid token");
    throw err;
  }
}
