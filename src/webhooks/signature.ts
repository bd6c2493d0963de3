/**
 * Standard Webhooks signatures (standardwebhooks.com): `webhook-signature: v1,<base64 HMAC-SHA256
 * of "<id>.<timestamp>.<body>">`, keyed with the bytes behind a `whsec_<base64>` secret.
 */

const SECRET_PREFIX = "whsec_";
const SECRET_BYTES = 32;

const b64 = (bytes: Uint8Array) => {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
};

/** A fresh endpoint secret, shown to its creator once. */
export const newWebhookSecret = () =>
  SECRET_PREFIX + b64(crypto.getRandomValues(new Uint8Array(SECRET_BYTES)));

function secretBytes(secret: string): Uint8Array<ArrayBuffer> {
  if (!secret.startsWith(SECRET_PREFIX)) throw new Error("webhook secret must start with whsec_");
  const binary = atob(secret.slice(SECRET_PREFIX.length));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** The three headers of one delivery attempt. `body` is the exact bytes sent. */
export async function webhookHeaders(secret: string, id: string, timestampS: number, body: string) {
  const key = await crypto.subtle.importKey(
    "raw",
    secretBytes(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const timestamp = String(Math.floor(timestampS));
  const signed = new TextEncoder().encode(`${id}.${timestamp}.${body}`);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, signed));
  return {
    "webhook-id": id,
    "webhook-timestamp": timestamp,
    "webhook-signature": `v1,${b64(mac)}`,
  };
}
