import { createHash, randomUUID } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { json, serve } from "./http";

/**
 * A fake webhook consumer for the tests. Every delivery is verified with the standardwebhooks
 * library (an independent implementation) against the endpoint's secret; it checks that a retried
 * id carries the same bytes, that accepted deliveries arrive in seq order, and counts duplicates,
 * so exactly-once (by webhook-id) is observable. Tests can script failures.
 */
type Receiver = {
  secret: string | null;
  failures: number[];
  accepted: Array<{ id: string; seq: number; type: string; data: Record<string, unknown> }>;
  attempts: number;
  bodies: Map<string, string>;
  duplicates: number;
  outOfOrder: number;
  badSignatures: number;
  bodyMismatches: number;
};

type Delivery = { type: string; data: { seq: number } & Record<string, unknown> };

function deliver(r: Receiver, headers: Record<string, string>, body: Buffer) {
  r.attempts++;
  const id = headers["webhook-id"] ?? "";
  const text = body.toString();
  const digest = createHash("sha256").update(text).digest("hex");
  if (r.bodies.has(id) && r.bodies.get(id) !== digest) r.bodyMismatches++;
  r.bodies.set(id, digest);
  if (!r.secret) return { status: 503 };
  let event: Delivery;
  try {
    event = new Webhook(r.secret).verify(text, headers) as Delivery;
  } catch {
    r.badSignatures++;
    return { status: 401 };
  }
  const failure = r.failures.shift();
  if (failure !== undefined) return { status: failure };
  if (r.accepted.some((a) => a.id === id)) {
    r.duplicates++;
    return { status: 200 };
  }
  const last = r.accepted.at(-1);
  if (last && event.data.seq <= last.seq) r.outOfOrder++;
  r.accepted.push({ id, seq: event.data.seq, type: event.type, data: event.data });
  return { status: 204 };
}

export async function startWebhookReceiver() {
  const receivers = new Map<string, Receiver>();
  const server = await serve((req, body, url) => {
    const [, kind, id, what] = url.pathname.split("/");
    if (req.method === "POST" && kind === "receivers" && !id) {
      const rid = randomUUID();
      receivers.set(rid, {
        secret: null,
        failures: [],
        accepted: [],
        attempts: 0,
        bodies: new Map(),
        duplicates: 0,
        outOfOrder: 0,
        badSignatures: 0,
        bodyMismatches: 0,
      });
      return { status: 201, json: { id: rid, url: `${server.url}/hooks/${rid}` } };
    }
    const r = id ? receivers.get(id) : undefined;
    if (!r) return { status: 404 };
    if (kind === "hooks") return deliver(r, req.headers as Record<string, string>, body);
    if (what === "secret") {
      r.secret = String(json(body).secret);
      return { status: 204 };
    }
    if (what === "fail") {
      const asked = json(body);
      if (asked.clear) r.failures = [];
      r.failures.push(...((asked.statuses as number[]) ?? []));
      return { status: 204 };
    }
    const { bodies: _b, ...state } = r;
    return { status: 200, json: state };
  });
  return server;
}
