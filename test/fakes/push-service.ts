import { createECDH, createPublicKey, randomBytes, randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { decrypt } from "http_ece";
import { decodeProtectedHeader, jwtVerify } from "jose";
import { json, serve } from "./http";

/**
 * A fake RFC 8030 push service for the tests. Each subscriber is a key pair it made (as a browser
 * does); every push is checked as a real service and browser would: VAPID (RFC 8292: ES256 token
 * for this origin, signed by the key in `k`, expiring within 24 h), the headers, then the body is
 * DECRYPTED with the subscriber's private key (RFC 8291, by http_ece). Anything wrong is recorded
 * as an error and answered 400. Tests can script answers (410, 429, 500) per subscriber.
 */
type Subscriber = {
  ecdh: ReturnType<typeof createECDH>;
  auth: Buffer;
  answers: number[];
  received: Array<{ payload: unknown; ttl: string; urgency: string; topic: string | null }>;
  attempts: number;
  errors: string[];
};

export async function checkVapid(req: IncomingMessage, origin: string, vapidKey: string) {
  const m = (req.headers.authorization ?? "").match(/^vapid t=([\w-]+\.[\w-]+\.[\w-]+), k=([\w-]+)$/);
  if (!m?.[1] || !m[2]) throw new Error("no vapid authorization");
  if (m[2] !== vapidKey) throw new Error("k is not the server's VAPID public key");
  if (decodeProtectedHeader(m[1]).alg !== "ES256") throw new Error("VAPID token is not ES256");
  const point = Buffer.from(m[2], "base64url");
  const jwk = {
    kty: "EC",
    crv: "P-256",
    x: point.subarray(1, 33).toString("base64url"),
    y: point.subarray(33).toString("base64url"),
  };
  const { payload } = await jwtVerify(m[1], createPublicKey({ key: jwk, format: "jwk" }), {
    audience: origin,
    algorithms: ["ES256"],
  });
  if (!payload.exp || payload.exp > Date.now() / 1000 + 24 * 3600) throw new Error("VAPID exp beyond 24 h");
  if (typeof payload.sub !== "string" || !/^(mailto:|https:)/.test(payload.sub))
    throw new Error("VAPID sub missing");
}

export function checkHeaders(req: IncomingMessage) {
  if (req.headers["content-encoding"] !== "aes128gcm") throw new Error("content-encoding is not aes128gcm");
  if (!/^\d+$/.test(String(req.headers.ttl))) throw new Error("TTL missing");
  if (!["very-low", "low", "normal", "high"].includes(String(req.headers.urgency)))
    throw new Error("bad Urgency");
  const topic = req.headers.topic;
  if (topic !== undefined && !/^[A-Za-z0-9_-]{1,32}$/.test(String(topic))) throw new Error("bad Topic");
}

export async function startPushService(vapidKey: string) {
  const subs = new Map<string, Subscriber>();
  const server = await serve(async (req, body, url) => {
    const [, kind, id, what] = url.pathname.split("/");
    if (req.method === "POST" && kind === "subscribers" && !id) {
      const ecdh = createECDH("prime256v1");
      ecdh.generateKeys();
      const sid = randomUUID();
      subs.set(sid, { ecdh, auth: randomBytes(16), answers: [], received: [], attempts: 0, errors: [] });
      const s = subs.get(sid) as Subscriber;
      const keys = { p256dh: ecdh.getPublicKey().toString("base64url"), auth: s.auth.toString("base64url") };
      return {
        status: 201,
        json: {
          id: sid,
          subscription: { endpoint: `${server.url}/push/${sid}`, expirationTime: null, keys },
        },
      };
    }
    const sub = id ? subs.get(id) : undefined;
    if (!sub) return { status: 404 };
    if (kind === "subscribers" && what === "answers") {
      const asked = json(body);
      if (asked.clear) sub.answers = [];
      sub.answers.push(...((asked.statuses as number[]) ?? []));
      return { status: 204 };
    }
    if (kind === "subscribers")
      return { status: 200, json: { received: sub.received, attempts: sub.attempts, errors: sub.errors } };
    return receive(sub, req, body, server.url);
  });

  async function receive(sub: Subscriber, req: IncomingMessage, body: Buffer, origin: string) {
    sub.attempts++;
    const scripted = sub.answers.shift();
    if (scripted !== undefined) return { status: scripted };
    try {
      await checkVapid(req, origin, vapidKey);
      checkHeaders(req);
      const plain = decrypt(body, { version: "aes128gcm", privateKey: sub.ecdh, authSecret: sub.auth });
      sub.received.push({
        payload: JSON.parse(plain.toString()),
        ttl: String(req.headers.ttl),
        urgency: String(req.headers.urgency),
        topic: req.headers.topic ? String(req.headers.topic) : null,
      });
      return { status: 201 };
    } catch (err) {
      sub.errors.push(err instanceof Error ? err.message : String(err));
      return { status: 400 };
    }
  }
  return server;
}
