import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { checkHeaders, checkVapid } from "../fakes/push-service";
import { type FakeMcs, startFakeMcs } from "./fake-mcs";
import { fixed64Field, readFields, varintField } from "./protobuf";

/**
 * A loopback stand-in for Google's GCM/FCM, which Chromium needs before `pushManager.subscribe`
 * resolves, so a test gets a subscription Chromium itself made, offline (chromiumGcmArgs points
 * Chromium here):
 *
 * 1. Check-in: a protobuf `AndroidCheckinRequest` (google_apis/gcm/protocol/checkin.proto); the
 *    answer is an `AndroidCheckinResponse` with `stats_ok`, a new `android_id` and `security_token`.
 * 2. Registration (one per subscribe, form-encoded): `Authorization: AidLogin <id>:<token>` from
 *    the check-in, `device=<id>`, `sender=<applicationServerKey, base64url>`, `X-subtype=wp:<origin>#…`;
 *    the answer is `token=<registration token>`, which Chromium turns into the subscription's
 *    endpoint (`https://jmt17.google.com/fcm/send/<token>`, Chromium's own choice).
 * 3. Delivery, as FCM relays a push: `POST /relay/<token>` takes an RFC 8030 push (VAPID checked
 *    against the key the registration named, `aes128gcm` body) and sends the body unopened down
 *    the MCS socket (fake-mcs.ts) to the Chromium that registered the token, which decrypts it.
 *
 * Anything wrong (wrong content type, a request without the check-in's credentials, an unknown
 * token, a bad VAPID token) is recorded in `errors` and refused, so a test sees it.
 */
export type Registration = { sender: string; subtype: string; app: string; token: string };

export type FakeGcm = {
  url: string;
  mcs: FakeMcs;
  checkins: number;
  registrations: Registration[];
  /** Pushes relayed to Chromium: the registration token and the encrypted body's size. */
  relayed: Array<{ token: string; bytes: number }>;
  errors: string[];
  close: () => Promise<void>;
};

/** Chromium's switches that send its GCM traffic to `gcm` and trust its MCS certificate. */
export const chromiumGcmArgs = (gcm: Pick<FakeGcm, "url" | "mcs">) => [
  `--gcm-checkin-url=${gcm.url}/checkin`,
  `--gcm-registration-url=${gcm.url}/register`,
  `--gcm-mcs-endpoint=${gcm.mcs.endpoint}`,
  `--ignore-certificate-errors-spki-list=${gcm.mcs.spki}`,
];

type Answer = { status: number; type: string; body: Buffer | string };

export async function startFakeGcm(): Promise<FakeGcm> {
  const androidId = randomBytes(8).readBigUInt64LE() >> 1n;
  const securityToken = randomBytes(8).readBigUInt64LE() >> 1n;
  const errors: string[] = [];
  const mcs = await startFakeMcs({ user: String(androidId), token: String(securityToken) }, errors);
  const gcm = { checkins: 0, registrations: [] as Registration[], relayed: [] as FakeGcm["relayed"] };

  const answer = async (req: IncomingMessage, body: Buffer, url: string): Promise<Answer> => {
    if (req.method === "POST" && req.url === "/checkin") {
      checkCheckin(req, body);
      gcm.checkins++;
      const checkin = Buffer.concat([
        varintField(1, 1),
        fixed64Field(7, androidId),
        fixed64Field(8, securityToken),
      ]);
      return { status: 200, type: "application/x-protobuf", body: checkin };
    }
    if (req.method === "POST" && req.url === "/register") {
      const reg = checkRegistration(req, body, `${androidId}:${securityToken}`);
      gcm.registrations.push(reg);
      return { status: 200, type: "text/plain", body: `token=${reg.token}` };
    }
    const token = req.method === "POST" && req.url?.match(/^\/relay\/([\w-]+)$/)?.[1];
    const reg = token && gcm.registrations.find((r) => r.token === token);
    if (!reg) throw new Error(`unexpected ${req.method} ${req.url}`);
    await checkVapid(req, url, reg.sender);
    checkHeaders(req);
    mcs.deliver({ from: reg.sender, category: reg.app, subtype: reg.subtype, body });
    gcm.relayed.push({ token: reg.token, bytes: body.length });
    return { status: 201, type: "text/plain", body: "" };
  };
  let url = "";
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const out = await answer(req, Buffer.concat(chunks), url).catch((err): Answer => {
        // Chromium retries a refused check-in at once, again and again: keep the first few.
        if (errors.length < 20) errors.push(String(err));
        return { status: 400, type: "text/plain", body: "Error=INVALID_PARAMETERS" };
      });
      res.writeHead(out.status, { "content-type": out.type }).end(out.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(gcm, {
    url,
    mcs,
    errors,
    close: async () => {
      await mcs.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}

/** The request must be a protobuf carrying the required `checkin` (field 4) message. */
function checkCheckin(req: IncomingMessage, body: Buffer) {
  if (req.headers["content-type"] !== "application/x-protobuf") throw new Error("check-in is not protobuf");
  if (!readFields(body).some((f) => f.field === 4 && f.wire === 2))
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
