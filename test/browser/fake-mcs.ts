import { execFileSync } from "node:child_process";
import { createHash, X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import tls from "node:tls";
import { bytesField, readFields, stringField, varint } from "./protobuf";

/**
 * The fake GCM's MCS socket: the TLS connection a Chromium keeps open to receive pushes
 * (google_apis/gcm/protocol/mcs.proto). Chromium sends the protocol version (41) and a
 * `LoginRequest` naming its check-in's android_id and security token; the fake checks both and
 * answers a `LoginResponse`, acknowledges heartbeats, and sends `DataMessageStanza`s on demand.
 * The certificate is self-signed, made per run by `openssl`; Chromium trusts it by its key alone
 * (`--ignore-certificate-errors-spki-list`).
 */
const VERSION = 41;
const TAG = { heartbeatPing: 0, heartbeatAck: 1, loginRequest: 2, loginResponse: 3, dataMessage: 8 } as const;

export type PushStanza = { from: string; category: string; subtype: string; body: Buffer };
export type FakeMcs = {
  endpoint: string;
  /** base64 SHA-256 of the certificate's public key, for --ignore-certificate-errors-spki-list. */
  spki: string;
  logins: number;
  connected: () => boolean;
  deliver: (push: PushStanza) => void;
  close: () => Promise<void>;
};

export async function startFakeMcs(credentials: { user: string; token: string }, errors: string[]) {
  const dir = mkdtempSync(path.join(tmpdir(), "roomcast-fake-mcs-"));
  execFileSync(
    "openssl",
    ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]
      .concat(["-nodes", "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"])
      .concat(["-keyout", path.join(dir, "key.pem"), "-out", path.join(dir, "cert.pem")]),
    { stdio: "ignore" },
  );
  const key = readFileSync(path.join(dir, "key.pem"));
  const cert = readFileSync(path.join(dir, "cert.pem"));
  rmSync(dir, { recursive: true, force: true });
  const spkiDer = new X509Certificate(cert).publicKey.export({ type: "spki", format: "der" });

  let current: tls.TLSSocket | null = null;
  let sent = 0;
  const mcs = { logins: 0 };
  const frame = (tag: number, body: Buffer) => Buffer.concat([Buffer.from([tag]), varint(body.length), body]);
  const onMessage = (socket: tls.TLSSocket, tag: number, body: Buffer) => {
    if (tag === TAG.loginRequest) {
      const fields = readFields(body);
      if (stringField(fields, 3) !== credentials.user || stringField(fields, 5) !== credentials.token) {
        errors.push("MCS login without the check-in's android_id and security token");
        socket.destroy();
        return;
      }
      mcs.logins++;
      current = socket;
      socket.write(
        Buffer.concat([Buffer.from([VERSION]), frame(TAG.loginResponse, bytesField(1, "fake-mcs"))]),
      );
    } else if (tag === TAG.heartbeatPing) socket.write(frame(TAG.heartbeatAck, Buffer.alloc(0)));
    // Anything else (stream acks, selective acks) needs no answer here.
  };
  const server = tls.createServer({ key, cert }, (socket) => {
    let pending = Buffer.alloc(0);
    let versionSeen = false;
    socket.on("error", () => {});
    socket.on("close", () => {
      if (current === socket) current = null;
    });
    socket.on("data", (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      if (!versionSeen && pending.length > 0) {
        if (pending[0] !== VERSION) errors.push(`MCS version ${pending[0]}`);
        versionSeen = true;
        pending = pending.subarray(1);
      }
      for (let next = nextFrame(pending); next; next = nextFrame(pending)) {
        pending = pending.subarray(next.size);
        onMessage(socket, next.tag, next.body);
      }
    });
  });
  server.on("tlsClientError", () => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(mcs, {
    endpoint: `https://127.0.0.1:${port}`,
    spki: createHash("sha256").update(spkiDer).digest("base64"),
    connected: () => current !== null,
    deliver: (push: PushStanza) => {
      if (!current) throw new Error("Chromium is not connected to the MCS socket");
      current.write(frame(TAG.dataMessage, dataMessage(push, `0:${Date.now()}%fake-${++sent}`)));
    },
    close: () => {
      current?.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  }) satisfies FakeMcs;
}

/** A DataMessageStanza as GCM sends a Web Push: the app, its subtype and the encrypted body as is. */
function dataMessage(push: PushStanza, persistentId: string): Buffer {
  const appData = (k: string, v: string) =>
    bytesField(7, Buffer.concat([bytesField(1, k), bytesField(2, v)]));
  return Buffer.concat([
    bytesField(3, push.from),
    bytesField(5, push.category),
    appData("subtype", push.subtype),
    appData("content-encoding", "aes128gcm"),
    bytesField(9, persistentId),
    bytesField(21, push.body),
  ]);
}

/** One `tag, varint length, body` frame from the front of `buf`, or null while it is incomplete. */
function nextFrame(buf: Buffer): { tag: number; body: Buffer; size: number } | null {
  if (buf.length < 2) return null;
  let length = 0;
  let at = 1;
  for (let shift = 0; ; shift += 7) {
    const byte = buf[at++];
    if (byte === undefined) return null;
    length |= (byte & 0x7f) << shift;
    if (byte < 0x80) break;
  }
  if (buf.length < at + length) return null;
  return { tag: buf[0] as number, body: buf.subarray(at, at + length), size: at + length };
}
