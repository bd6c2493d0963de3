import { describe, expect, it } from "vitest";
import { expectLogs } from "./expected-logs";
import { api, eventually, newAdmin, newRoom, newUser, type OutboxReport } from "./helpers";
import { database } from "./outage";

// Issue 18 item 10: a backlog PostgreSQL is not taking is reported, by the rooms themselves.

type Health = { ok: boolean; status: "ok" | "degraded"; backlog: { rooms_failing: number } | null };

describe("a backlog PostgreSQL is not taking", () => {
  it("makes /health say degraded (still 200) and /admin/outbox list it without PostgreSQL; both clear once it lands", async () => {
    const operator = await newAdmin();
    const alice = await newUser();
    const room = await newRoom(alice);
    const post = (content: string) =>
      api("POST", `/message/rooms/${room.id}/messages`, { token: alice.token, json: { content } });
    expect((await post("before")).status).toBe(201);
    // The operator's session is known to their account object (as it is once they used the API).
    expect((await api("GET", "/admin/outbox", { token: operator.token })).status).toBe(200);
    await database("down");
    expectLogs(/^admin: outbox records unavailable/);
    try {
      for (const text of ["one", "two", "three"]) expect((await post(text)).status).toBe(201);
      await eventually(async () => {
        const health = await api<Health>("GET", "/health");
        expect(health.status).toBe(200);
        expect(health.body).toMatchObject({ ok: false, status: "degraded" });
        expect(health.body.backlog?.rooms_failing).toBeGreaterThanOrEqual(1);
      }, 15_000);
      // Rooms report at most once a second, after each copy attempt: the three arrive in a later one.
      await eventually(async () => {
        const report = await api<OutboxReport>("GET", "/admin/outbox", { token: operator.token });
        expect(report.status).toBe(200);
        expect(report.body).toMatchObject({ postgres: "unavailable", rejected_count: null });
        const mine = report.body.backlog?.rooms.find((r) => r.room_id === room.id);
        expect(mine).toMatchObject({ failing: true });
        expect(mine?.backlog).toBeGreaterThanOrEqual(3);
      }, 15_000);
    } finally {
      await database("up");
    }
    await eventually(async () => {
      const report = await api<OutboxReport>("GET", "/admin/outbox", { token: operator.token });
      expect(report.body.postgres).toBe("available");
      expect(report.body.backlog?.rooms.some((r) => r.room_id === room.id)).toBe(false);
    }, 30_000);
  });
});
