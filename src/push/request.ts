import { toBase64Url } from "./base64url";
import { encryptPush, type SubscriberKeys } from "./encrypt";
import { type VapidKeys, vapidAuthorization } from "./vapid";

/** RFC 8030 §5.3: how hard the push service should try to wake the device. */
export type Urgency = "very-low" | "low" | "normal" | "high";

/** RFC 8030 §5.4: at most 32 characters of the URL-safe base64 alphabet. */
export const TOPIC_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;

export type PushMessage = {
  endpoint: string;
  keys: SubscriberKeys;
  payload: Uint8Array;
  /** Seconds the push service may keep the message for an offline device. */
  ttlSeconds: number;
  urgency: Urgency;
  /** A newer message with the same topic replaces a pending one at the push service. */
  topic?: string;
};

/** Builds the push service request (RFC 8030 §5): encrypted body, VAPID, TTL, Urgency, Topic. */
export async function pushRequest(message: PushMessage, vapid: VapidKeys): Promise<Request> {
  if (!Number.isInteger(message.ttlSeconds) || message.ttlSeconds < 0) throw new Error("TTL must be >= 0");
  if (message.topic !== undefined && !TOPIC_PATTERN.test(message.topic)) throw new Error("bad Topic");
  const headers = new Headers({
    authorization: await vapidAuthorization(vapid, message.endpoint),
    "content-encoding": "aes128gcm",
    "content-type": "application/octet-stream",
    ttl: String(message.ttlSeconds),
    urgency: message.urgency,
  });
  if (message.topic) headers.set("topic", message.topic);
  const body = await encryptPush(message.payload, message.keys);
  return new Request(message.endpoint, { method: "POST", headers, body });
}

/**
 * The Topic of a conversation for one server: a keyed hash, so that the push service (which sees
 * topics) learns nothing about room ids, yet every push about one room replaces the last one.
 */
export async function conversationTopic(secret: string, conversation: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(
    await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`topic:${conversation}`)),
  );
  // 24 bytes are exactly 32 base64url characters.
  return toBase64Url(mac.slice(0, 24));
}

/** What a push service's answer means for the subscription (RFC 8030 §5, §8.3). */
export type PushOutcome = "delivered" | "gone" | "retry" | "rejected";

export function pushOutcome(status: number): PushOutcome {
  if (status >= 200 && status < 300) return "delivered";
  if (status === 404 || status === 410) return "gone";
  if (status === 429 || status >= 500) return "retry";
  return "rejected";
}
