import { createECDH, createPublicKey, randomBytes } from "node:crypto";
import { decrypt } from "http_ece";
import { decodeProtectedHeader, importJWK, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { fromBase64Url, toBase64Url } from "../../src/push/base64url";
import { encryptPush, importSenderKeys, MAX_PLAINTEXT_BYTES } from "../../src/push/encrypt";
import { conversationTopic, pushOutcome, pushRequest, TOPIC_PATTERN } from "../../src/push/request";
import { vapidAuthorization, vapidKeyProblem } from "../../src/push/vapid";

// RFC 8291, Appendix A: every input fixed, and the exact body a correct implementation produces.
const RFC8291 = {
  plaintext: "When I grow up, I want to be a watermelon",
  asPrivate: "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw",
  asPublic: "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8",
  uaPrivate: "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94",
  uaPublic: "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4",
  salt: "DGv6ra1nlYgDCS1FRnbzlw",
  authSecret: "BTBZMqHH6r4Tts7J_aSIgg",
  body:
    "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8w" +
    "EqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN",
};

/** A subscriber as a browser would be: a fresh P-256 key pair and auth secret. */
function newSubscriber() {
  const ecdh = createECDH("prime256v1");
  ecdh.generateKeys();
  const auth = randomBytes(16);
  return {
    ecdh,
    keys: { p256dh: ecdh.getPublicKey().toString("base64url"), auth: auth.toString("base64url") },
  };
}

describe("aes128gcm push encryption (RFC 8291)", () => {
  it("reproduces the Appendix A body byte for byte", async () => {
    const body = await encryptPush(
      new TextEncoder().encode(RFC8291.plaintext),
      { p256dh: RFC8291.uaPublic, auth: RFC8291.authSecret },
      {
        salt: fromBase64Url(RFC8291.salt),
        senderKeys: await importSenderKeys(RFC8291.asPrivate, RFC8291.asPublic),
      },
    );
    expect(toBase64Url(body)).toBe(RFC8291.body);
  });

  it("decrypts the Appendix A body with http_ece (the vector is what we think it is)", () => {
    const ua = createECDH("prime256v1");
    ua.setPrivateKey(Buffer.from(RFC8291.uaPrivate, "base64url"));
    const out = decrypt(Buffer.from(RFC8291.body, "base64url"), {
      version: "aes128gcm",
      privateKey: ua,
      authSecret: RFC8291.authSecret,
    });
    expect(out.toString()).toBe(RFC8291.plaintext);
  });

  it("encrypts with fresh keys and salt what an independent decoder reads back", async () => {
    const sub = newSubscriber();
    const text = "é ☃ 🍉 ".repeat(100);
    const a = await encryptPush(new TextEncoder().encode(text), sub.keys);
    const b = await encryptPush(new TextEncoder().encode(text), sub.keys);
    expect(toBase64Url(a.slice(0, 16))).not.toBe(toBase64Url(b.slice(0, 16)));
    const out = decrypt(Buffer.from(a), {
      version: "aes128gcm",
      privateKey: sub.ecdh,
      authSecret: sub.keys.auth,
    });
    expect(out.toString()).toBe(text);
  });

  it("fits the largest allowed plaintext in 4096 bytes and refuses one byte more", async () => {
    const sub = newSubscriber();
    const body = await encryptPush(new Uint8Array(MAX_PLAINTEXT_BYTES), sub.keys);
    expect(body.length).toBe(4096);
    await expect(encryptPush(new Uint8Array(MAX_PLAINTEXT_BYTES + 1), sub.keys)).rejects.toThrow(/over/);
  });

  it("refuses subscriber keys of the wrong length", async () => {
    const sub = newSubscriber();
    const short = { ...sub.keys, auth: toBase64Url(new Uint8Array(8)) };
    await expect(encryptPush(new Uint8Array(1), short)).rejects.toThrow(/16 bytes/);
    const compressed = { ...sub.keys, p256dh: toBase64Url(new Uint8Array(33).fill(2)) };
    await expect(encryptPush(new Uint8Array(1), compressed)).rejects.toThrow(/P-256/);
  });
});

function vapidPair() {
  const ecdh = createECDH("prime256v1");
  ecdh.generateKeys();
  return {
    publicKey: ecdh.getPublicKey().toString("base64url"),
    privateKey: ecdh.getPrivateKey().toString("base64url"),
    subject: "mailto:ops@example.test",
  };
}

describe("VAPID (RFC 8292)", () => {
  it("signs an ES256 token for the endpoint's origin that verifies with k", async () => {
    const keys = vapidPair();
    expect(vapidKeyProblem(keys.publicKey, keys.privateKey)).toBeNull();
    const header = await vapidAuthorization(keys, "http://127.0.0.1:9/push/abc?x=1", 1_800_000_000);
    const m = header.match(/^vapid t=([\w-]+\.[\w-]+\.[\w-]+), k=([\w-]+)$/);
    expect(m?.[2]).toBe(keys.publicKey);
    const point = Buffer.from(keys.publicKey, "base64url");
    const jwk = {
      kty: "EC",
      crv: "P-256",
      x: point.subarray(1, 33).toString("base64url"),
      y: point.subarray(33).toString("base64url"),
    };
    const token = m?.[1] ?? "";
    expect(decodeProtectedHeader(token)).toEqual({ typ: "JWT", alg: "ES256" });
    const { payload } = await jwtVerify(token, createPublicKey({ key: jwk, format: "jwk" }), {
      algorithms: ["ES256"],
      audience: "http://127.0.0.1:9",
      currentDate: new Date(1_800_000_000_000),
    });
    expect(payload.sub).toBe(keys.subject);
    expect(payload.exp).toBe(1_800_000_000 + 12 * 3600);
    // A token checked against another key fails: the signature is real.
    const other = vapidPair();
    const p2 = Buffer.from(other.publicKey, "base64url");
    const wrong = await importJWK(
      { ...jwk, x: p2.subarray(1, 33).toString("base64url"), y: p2.subarray(33).toString("base64url") },
      "ES256",
    );
    await expect(jwtVerify(token, wrong, { currentDate: new Date(1_800_000_000_000) })).rejects.toThrow();
  });

  it("names what is wrong with a configured key", () => {
    const keys = vapidPair();
    expect(vapidKeyProblem(keys.privateKey, keys.privateKey)).toMatch(/PUBLIC/);
    expect(vapidKeyProblem(keys.publicKey, keys.publicKey)).toMatch(/PRIVATE/);
    expect(vapidKeyProblem("not base64!", keys.privateKey)).toMatch(/base64url/);
  });
});

describe("push request (RFC 8030)", () => {
  it("carries TTL, Urgency, Topic, the encoding and an encrypted body", async () => {
    const sub = newSubscriber();
    const topic = await conversationTopic("secret", "room:7");
    const req = await pushRequest(
      {
        endpoint: "http://127.0.0.1:9/p/1",
        keys: sub.keys,
        payload: new TextEncoder().encode("{}"),
        ttlSeconds: 60,
        urgency: "high",
        topic,
      },
      vapidPair(),
    );
    expect(req.method).toBe("POST");
    expect(Object.fromEntries([...req.headers].filter(([k]) => k !== "authorization"))).toEqual({
      "content-encoding": "aes128gcm",
      "content-type": "application/octet-stream",
      ttl: "60",
      urgency: "high",
      topic,
    });
    const body = Buffer.from(await req.arrayBuffer());
    expect(
      decrypt(body, { version: "aes128gcm", privateKey: sub.ecdh, authSecret: sub.keys.auth }).toString(),
    ).toBe("{}");
  });

  it("derives a 32-character url-safe Topic per conversation", async () => {
    const a = await conversationTopic("secret", "room:7");
    expect(a).toMatch(TOPIC_PATTERN);
    expect(a).toHaveLength(32);
    expect(await conversationTopic("secret", "room:7")).toBe(a);
    expect(await conversationTopic("secret", "room:8")).not.toBe(a);
    expect(await conversationTopic("other", "room:7")).not.toBe(a);
  });

  it("maps push service answers to what happens to the subscription", () => {
    expect([201, 404, 410, 429, 500, 503, 400, 413].map(pushOutcome)).toEqual([
      "delivered",
      "gone",
      "gone",
      "retry",
      "retry",
      "retry",
      "rejected",
      "rejected",
    ]);
  });
});
