import { concatBytes, fromBase64Url, toBase64Url } from "./base64url";

/**
 * Web Push message encryption (RFC 8291) in the `aes128gcm` content coding (RFC 8188), on
 * WebCrypto only, so that it runs in workerd. One record: the push services' limit (4096 bytes
 * of body) is far below a record's size, so there is never a second one.
 */

/** Record size written in the header; one record always fits below it. */
const RECORD_SIZE = 4096;
/** salt (16) + rs (4) + idlen (1) + the sender's public key (65). */
const HEADER_BYTES = 86;
const TAG_BYTES = 16;
/** The largest body a push service must accept (RFC 8030 §7.2). */
export const MAX_PUSH_BODY = 4096;
/** The largest plaintext that still fits: body minus header, tag and the delimiter octet. */
export const MAX_PLAINTEXT_BYTES = MAX_PUSH_BODY - HEADER_BYTES - TAG_BYTES - 1;

const label = (s: string) => concatBytes(new TextEncoder().encode(s));

/** The subscriber's keys, as `PushSubscription.toJSON().keys` carries them (base64url). */
export type SubscriberKeys = { p256dh: string; auth: string };

/** The sender's ephemeral ECDH pair (one per message). */
export type SenderKeys = { privateKey: CryptoKey; publicKey: CryptoKey };

/** Fixed inputs, for the RFC's test vector only; normally both are fresh for every message. */
export type EncryptOptions = { salt?: Uint8Array; senderKeys?: SenderKeys };

async function hkdf(
  ikm: Uint8Array<ArrayBuffer>,
  salt: Uint8Array<ArrayBuffer>,
  info: Uint8Array<ArrayBuffer>,
  bytes: number,
) {
  const key = await crypto.subtle.importKey("raw", ikm, "HKDF", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt, info }, key, bytes * 8);
  return new Uint8Array(bits);
}

async function newSenderKeys(): Promise<SenderKeys> {
  return (await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, [
    "deriveBits",
  ])) as unknown as SenderKeys;
}

/** Content encryption key and nonce from the ECDH secret, the auth secret and the salt (RFC 8291 §3.4). */
async function deriveKeys(
  senderKeys: SenderKeys,
  senderPublic: Uint8Array<ArrayBuffer>,
  uaPublic: Uint8Array<ArrayBuffer>,
  authSecret: Uint8Array<ArrayBuffer>,
  salt: Uint8Array<ArrayBuffer>,
) {
  const uaKey = await crypto.subtle.importKey(
    "raw",
    uaPublic,
    { name: "ECDH", namedCurve: "P-256" },
    false,
    [],
  );
  const ecdhSecret = new Uint8Array(
    // The standard member is `public` (workers-types spell it `$public`); workerd takes `public`.
    await crypto.subtle.deriveBits(
      { name: "ECDH", public: uaKey } as unknown as Parameters<SubtleCrypto["deriveBits"]>[0],
      senderKeys.privateKey,
      256,
    ),
  );
  const keyInfo = concatBytes(label("WebPush: info\0"), uaPublic, senderPublic);
  const ikm = await hkdf(ecdhSecret, authSecret, keyInfo, 32);
  const cek = await hkdf(ikm, salt, label("Content-Encoding: aes128gcm\0"), 16);
  const nonce = await hkdf(ikm, salt, label("Content-Encoding: nonce\0"), 12);
  return { cek, nonce };
}

/** Decodes and checks a subscriber's keys: a P-256 point (65 bytes, uncompressed) and a 16-byte secret. */
export function subscriberKeyBytes(keys: SubscriberKeys) {
  const uaPublic = fromBase64Url(keys.p256dh);
  const authSecret = fromBase64Url(keys.auth);
  if (uaPublic.length !== 65 || uaPublic[0] !== 0x04)
    throw new Error("p256dh must be an uncompressed P-256 point");
  if (authSecret.length !== 16) throw new Error("auth must be 16 bytes");
  return { uaPublic, authSecret };
}

/**
 * Encrypts `plaintext` for one subscriber. Returns the whole request body: the aes128gcm header
 * (salt, record size, the sender's public key as key id) followed by the single record.
 */
export async function encryptPush(
  plaintext: Uint8Array,
  keys: SubscriberKeys,
  options: EncryptOptions = {},
): Promise<Uint8Array<ArrayBuffer>> {
  if (plaintext.length > MAX_PLAINTEXT_BYTES)
    throw new Error(`push payload over ${MAX_PLAINTEXT_BYTES} bytes`);
  const { uaPublic, authSecret } = subscriberKeyBytes(keys);
  const salt = concatBytes(options.salt ?? crypto.getRandomValues(new Uint8Array(16)));
  const senderKeys = options.senderKeys ?? (await newSenderKeys());
  const senderPublic = new Uint8Array(
    (await crypto.subtle.exportKey("raw", senderKeys.publicKey)) as ArrayBuffer,
  );
  const { cek, nonce } = await deriveKeys(senderKeys, senderPublic, uaPublic, authSecret, salt);
  const key = await crypto.subtle.importKey("raw", cek, "AES-GCM", false, ["encrypt"]);
  // 0x02: this is the last (and only) record; no padding after it.
  const record = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: "AES-GCM", iv: nonce },
      key,
      concatBytes(plaintext, new Uint8Array([2])),
    ),
  );
  const header = new Uint8Array(21);
  header.set(salt, 0);
  new DataView(header.buffer).setUint32(16, RECORD_SIZE);
  header[20] = senderPublic.length;
  return concatBytes(header, senderPublic, record);
}

/** An ECDH key pair from its base64url private scalar and public point (tests and fixed keys). */
export async function importSenderKeys(privateD: string, publicPoint: string): Promise<SenderKeys> {
  const point = fromBase64Url(publicPoint);
  const jwk = {
    kty: "EC",
    crv: "P-256",
    d: privateD,
    x: toBase64Url(point.slice(1, 33)),
    y: toBase64Url(point.slice(33, 65)),
  };
  const usage = { name: "ECDH", namedCurve: "P-256" };
  const privateKey = await crypto.subtle.importKey("jwk", jwk, usage, true, ["deriveBits"]);
  const { d: _d, ...pub } = jwk;
  const publicKey = await crypto.subtle.importKey("jwk", pub, usage, true, []);
  return { privateKey, publicKey };
}
