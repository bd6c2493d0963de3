import { SignJWT } from "jose";
import { fromBase64Url, toBase64Url } from "./base64url";

/**
 * VAPID (RFC 8292): the application server identifies itself to a push service with an ES256
 * JWT for the endpoint's origin, sent with its public key as `Authorization: vapid t=…, k=…`.
 */

/** The server's VAPID key pair as configured: base64url public point (65 bytes) and private scalar (32). */
export type VapidKeys = { publicKey: string; privateKey: string; subject: string };

/** RFC 8292 §2: `exp` no more than 24 hours ahead; 12 hours leaves room for clock skew. */
const TOKEN_LIFETIME_S = 12 * 60 * 60;

/** Checks the shapes of a configured key pair; returns why not, or null when it is usable. */
export function vapidKeyProblem(publicKey: string, privateKey: string): string | null {
  try {
    const point = fromBase64Url(publicKey);
    if (point.length !== 65 || point[0] !== 0x04)
      return "VAPID_PUBLIC_KEY must be an uncompressed P-256 point";
    if (fromBase64Url(privateKey).length !== 32) return "VAPID_PRIVATE_KEY must be a 32-byte P-256 scalar";
    return null;
  } catch {
    return "VAPID keys must be base64url";
  }
}

const signingKeys = new Map<string, Promise<CryptoKey>>();

/** The ES256 signing key, imported once per isolate. */
function signingKey(keys: VapidKeys): Promise<CryptoKey> {
  let key = signingKeys.get(keys.privateKey);
  if (!key) {
    const point = fromBase64Url(keys.publicKey);
    const jwk = {
      kty: "EC",
      crv: "P-256",
      d: keys.privateKey,
      x: toBase64Url(point.slice(1, 33)),
      y: toBase64Url(point.slice(33, 65)),
    };
    key = crypto.subtle.importKey("jwk", jwk, { name: "ECDSA", namedCurve: "P-256" }, false, ["sign"]);
    signingKeys.set(keys.privateKey, key);
  }
  return key;
}

/** The `Authorization` header value for a push to `endpoint`. */
export async function vapidAuthorization(keys: VapidKeys, endpoint: string, nowS = Date.now() / 1000) {
  const token = await new SignJWT({})
    .setProtectedHeader({ typ: "JWT", alg: "ES256" })
    .setAudience(new URL(endpoint).origin)
    .setSubject(keys.subject)
    .setExpirationTime(Math.floor(nowS) + TOKEN_LIFETIME_S)
    .sign(await signingKey(keys));
  return `vapid t=${token}, k=${keys.publicKey}`;
}
