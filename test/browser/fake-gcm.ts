import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A loopback stand-in for the two Google (GCM/FCM) HTTP services Chromium calls before
 * `pushManager.subscribe` resolves, so a test gets a subscription Chromium itself made, offline.
 * Chromium is pointed here with `--gcm-checkin-url` and `--gcm-registration-url` (chromiumGcmArgs).
 *
 * 1. Check-in: a protobuf `AndroidCheckinRequest` (google_apis/gcm/protocol/checkin.proto); the
 *    answer is an `AndroidCheckinResponse` with `stats_ok`, a new `android_id` and `security_token`.
 * 2. Registration (one per subscribe, form-encoded): `Authorization: AidLogin <id>:<token>` from
 *    the check-in, `device=<id>`, `sender=<applicationServerKey, base64url>`, `X-subtype=wp:<origin>#…`;
 *    the answer is `token=<registration token>`, which Chromium turns into the subscription's
 *    endpoint (`https://jmt17.google.com/fcm/send/<token>`, Chromium's own choice).
 *
 * Anything else (wrong content type, a request without the check-in's credentials) is recorded in
 * `errors` and refused, so a test sees it. The MCS socket (where pushes would arrive) is left
 * unserved: Chromium logs a failed connection and retries, which does not hold up subscribing.
 */
export type Registration = { sender: string; subtype: string; app: string; token: string };

export type FakeGcm = {
  url: string;
  checkins: number;
  registrations: Registration[];
  errors: string[];
  close: () => Promise<void>;
};

/**
 * Chromium's switches that send its GCM traffic to `gcm`. Its MCS socket still aims at
 * mtalk.google.com, which launchChromium's resolver rules make unresolvable.
 */
export const chromiumGcmArgs = (gcm: Pick<FakeGcm, "url">) => [
  `--gcm-checkin-url=${gcm.url}/checkin`,
  `--gcm-registration-url=${gcm.url}/register`,
];

export async function startFakeGcm(): Promise<FakeGcm> {
  const androidId = randomBytes(8).readBigUInt64LE() >> 1n;
  const securityToken = randomBytes(8).readBigUInt64LE() >> 1n;
  const gcm: Omit<FakeGcm, "url" | "close"> = { checkins: 0, registrations: [], errors: [] };

  const answer = (req: IncomingMessage, body: Buffer): { type: string; body: Buffer | string } => {
    if (req.method === "POST" && req.url === "/checkin") {
      checkCheckin(req, body);
      gcm.checkins++;
      return { type: "application/x-protobuf", body: checkinResponse(androidId, securityToken) };
    }
    if (req.method === "POST" && req.url === "/register") {
      const reg = checkRegistration(req, body, `${androidId}:${securityToken}`);
      gcm.registrations.push(reg);
      return { type: "text/plain", body: `token=${reg.token}` };
    }
    throw new Error(`unexpected ${req.method} ${req.url}`);
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      try {
        const out = answer(req, Buffer.concat(chunks));
        res.writeHead(200, { "content-type": out.type }).end(out.body);
      } catch (err) {
        // Chromium retries a refused check-in at once, again and again: keep the first few.
        if (gcm.errors.length < 20) gcm.errors.push(String(err));
        res.writeHead(400, { "content-type": "text/plain" }).end("Error=INVALID_PARAMETERS");
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(gcm, {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

/** The request must be a protobuf carrying the required `checkin` (field 4) message. */
function checkCheckin(req: IncomingMessage, body: Buffer) {
  if (req.headers["content-type"] !== "application/x-protobuf") throw new Error("check-in is not protobuf");
  const fields = protobufFields(body);
  if (!fields.some((f) => f.field === 4 && f.wire === 2))
    throw new Error("check-in without AndroidCheckinProto");
}

function checkRegistration(req: IncomingMessage, body: Buffer, credentials: string): Registration {
  if (req.headers["content-type"] !== "application/x-www-form-urlencoded")
    throw new Error("registration is not a form");
  if (req.headers.authorization !== `AidLogin ${credentials}`)
    throw new Error("registration without the check-in's android_id:security_token");
  const form = new URLSearchParams(body.toString());
  if (form.get("device") !== credentials.split(":")[0]) throw new Error("registration for another device");
  const sender = form.get("sender");
  if (!sender) throw new Error("registration without a sender");
  const token = `fake-gcm-${randomBytes(12).toString("base64url")}`;
  return { sender, subtype: form.get("X-subtype") ?? "", app: form.get("app") ?? "", token };
}

/** AndroidCheckinResponse: stats_ok (1, varint), android_id (7) and security_token (8), fixed64. */
function checkinResponse(androidId: bigint, securityToken: bigint): Buffer {
  const fixed64 = (tag: number, n: bigint) => {
    const b = Buffer.alloc(9);
    b[0] = tag;
    b.writeBigUInt64LE(n, 1);
    return b;
  };
  return Buffer.concat([
    Buffer.from([0x08, 0x01]),
    fixed64((7 << 3) | 1, androidId),
    fixed64((8 << 3) | 1, securityToken),
  ]);
}

/** The top-level fields of a protobuf message (numbers and wire types), enough to check its shape. */
function protobufFields(buf: Buffer): Array<{ field: number; wire: number }> {
  const fields: Array<{ field: number; wire: number }> = [];
  let at = 0;
  const varint = () => {
    let n = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const byte = buf[at++];
      if (byte === undefined) throw new Error("truncated protobuf");
      n |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return n;
    }
  };
  while (at < buf.length) {
    const key = Number(varint());
    const wire = key & 7;
    if (wire === 0) varint();
    else if (wire === 1) at += 8;
    else if (wire === 2) {
      const length = Number(varint());
      at += length;
    } else if (wire === 5) at += 4;
    else throw new Error(`protobuf wire type ${wire}`);
    if (at > buf.length) throw new Error("truncated protobuf");
    fields.push({ field: key >> 3, wire });
  }
  return fields;
}
