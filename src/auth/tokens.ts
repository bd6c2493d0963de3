import { errors as joseErrors, jwtVerify, SignJWT } from "jose";
import type { Config } from "../env";
import { unauthorized } from "../errors";

const ALG = "HS256";

export type TokenClaims = { userId: number; tokenVersion: number };

const keyOf = (config: Config) => new TextEncoder().encode(config.SECRET_KEY);

export async function issueToken(config: Config, claims: TokenClaims) {
  const expiresIn = config.ACCESS_TOKEN_TTL_SECONDS;
  const accessToken = await new SignJWT({ ver: claims.tokenVersion })
    .setProtectedHeader({ alg: ALG, typ: "JWT" })
    .setSubject(String(claims.userId))
    .setIssuer(config.JWT_ISSUER)
    .setAudience(config.JWT_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${expiresIn}s`)
    .sign(keyOf(config));
  return { access_token: accessToken, token_type: "bearer" as const, expires_in: expiresIn };
}

/** Verifies signature (HS256 only: `alg: none` and others are refused), `exp`, `iss` and `aud`. */
export async function verifyToken(config: Config, token: string): Promise<TokenClaims> {
  try {
    const { payload } = await jwtVerify(token, keyOf(config), {
      algorithms: [ALG],
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
      requiredClaims: ["sub", "exp", "iat"],
    });
    const userId = Number(payload.sub);
    const tokenVersion = payload.ver;
    if (!Number.isSafeInteger(userId) || typeof tokenVersion !== "number")
      throw unauthorized("Invalid token");
    return { userId, tokenVersion };
  } catch (err) {
    if (err instanceof joseErrors.JWTExpired) throw unauthorized("Token has expired");
    if (err instanceof joseErrors.JOSEError) throw unauthorized("Invalid token");
    throw err;
  }
}
