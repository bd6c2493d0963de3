import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { roomStub } from "../src/room";
import { api, eventually, newAdmin, newRoom, newUser } from "./helpers";
import { database } from "./outage";
import { connect } from "./socket";

const METRICS_TOKEN = (env as unknown as { METRICS_TOKEN: string }).METRICS_TOKEN;

/** A scrape as Prometheus makes it, with the scraper's secret. */
async function scrape(): Promise<string> {
  const res = await api<string>("GET", "/metrics", { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  expect(res.status).toBe(200);
  return res.body;
}

/** The value of one sample (`name` or `name{label="v"}`), or undefined when it is not there. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe("GET /metrics", () => {
  it("answers scrapers with METRICS_TOKEN and global admins, in the Prometheus text format; nobody else", async () => {
    expect((await api("GET", "/metrics")).status).toBe(401);
    const wrong = await api("GET", "/metrics", { headers: { authorization: `Bearer ${METRICS_TOKEN}x` } });
    expect(wrong.status).toBe(401);
    const user = await newUser();
    const denied = await api<{ error: { code: string } }>("GET", "/metrics", { token: user.token });
    expect([denied.status, denied.body.error.code]).toEqual([403, "forbidden"]);

    const admin = await newAdmin();
    const asAdmin = await api<string>("GET", "/metrics", { token: admin.token });
    expect(asAdmin.status).toBe(200);
    const res = await api<string>("GET", "/metrics", {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    for (const name of ["roomcast_open_sockets", "roomcast_rooms", "roomcast_outbox_backlog_events"]) {
      expect(res.body).toContain(`# TYPE ${name} gauge\n`);
    }
    expect(sample(res.body, 'roomcast_metrics_source_up{source="postgres"}')).toBe(1);
    expect(sample(res.body, 'roomcast_metrics_source_up{source="rooms"}')).toBe(1);
  });

  it("counts rooms by kind from PostgreSQL and open sockets from the rooms' own reports", async () => {
    const alice = await newUser();
    const before = sample(await scrape(), 'roomcast_rooms{kind="private"}') ?? 0;
    const room = await newRoom(alice, { kind: "private" });
    expect(sample(await scrape(), 'roomcast_rooms{kind="private"}')).toBe(before + 1);

    const sockets = [];
    for (let i = 0; i < 3; i++) sockets.push((await connect(room.id, alice.token)).socket);
    await eventually(async () => expect(sample(await scrape(), "roomcast_open_sockets")).toBe(3));
    expect(sample(await scrape(), "roomcast_live_rooms")).toBe(1);
    for (const s of sockets) s.close();
    await eventually(async () => expect(sample(await scrape(), "roomcast_open_sockets")).toBe(0));
    expect(sample(await scrape(), "roomcast_live_rooms")).toBe(0);
  });

  it("shows the outbox backlog while PostgreSQL is down, and the database source as down, then both recover", async () => {
    const alice = await newUser();
    const room = await newRoom(alice);
    const { socket } = await connect(room.id, alice.token);
    await database("down");
    try {
      for (let i = 1; i <= 3; i++) socket.send(`waiting ${i}`);
      await socket.take(3, "ack");
      await runDurableObjectAlarm(roomStub(env, room.id)); // a copy attempt, which fails
      await eventually(async () => {
        const text = await scrape();
        expect(sample(text, "roomcast_outbox_backlog_events")).toBe(3);
        expect(sample(text, "roomcast_outbox_backlog_rooms")).toBe(1);
        // PostgreSQL's gauges are missing, and the scrape says why, instead of failing whole.
        expect(sample(text, 'roomcast_metrics_source_up{source="postgres"}')).toBe(0);
        expect(sample(text, 'roomcast_rooms{kind="public"}')).toBeUndefined();
      });
    } finally {
      await database("up");
    }
    await runDurableObjectAlarm(roomStub(env, room.id));
    await eventually(async () => expect(sample(await scrape(), "roomcast_outbox_backlog_events")).toBe(0));
    socket.close();
  });
});
