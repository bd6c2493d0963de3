import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { users } from "../src/db/schema";
import { configuredApi } from "./configured";
import { expectError, newUser, unique, withTestDb } from "./helpers";

// Issue 18, item 7: rooms and direct conversations a user can create are budgeted per hour, and
// nobody opens a conversation with a deactivated account.

describe("rooms a user creates", () => {
  it("are limited to ROOMS_CREATED_PER_USER_PER_HOUR (default 20): then 429 too_many_rooms", async () => {
    const defaults = configuredApi({ ROOMS_CREATED_PER_USER_PER_HOUR: undefined });
    const alice = await newUser();
    const create = () => defaults("POST", "/room/", { token: alice.token, json: { name: unique("r") } });
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++) statuses.push((await create()).status);
    expect(statuses).toEqual([...Array(20).fill(201), 429]);
    const refused = await create();
    expectError(refused, 429, "too_many_rooms");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(60);
    // Another user is not affected.
    const bob = await newUser();
    expect((await defaults("POST", "/room/", { token: bob.token, json: { name: unique("r") } })).status).toBe(
      201,
    );
  });
});

describe("direct conversations", () => {
  it("a user opens at most DMS_OPENED_PER_USER_PER_HOUR (default 20) new ones; reopening is free", async () => {
    const defaults = configuredApi({ DMS_OPENED_PER_USER_PER_HOUR: undefined });
    const alice = await newUser();
    const others = await Promise.all(Array.from({ length: 21 }, () => newUser("dm")));
    const statuses: number[] = [];
    for (const other of others)
      statuses.push((await defaults("POST", `/dm/${other.id}`, { token: alice.token })).status);
    expect(statuses).toEqual([...Array(20).fill(201), 429]);
    expectError(
      await defaults("POST", `/dm/${others[20]?.id}`, { token: alice.token }),
      429,
      "too_many_direct_rooms",
    );
    // An existing conversation still opens.
    expect((await defaults("POST", `/dm/${others[0]?.id}`, { token: alice.token })).status).toBe(200);
  });

  it("with a deactivated user is refused like one that does not exist (404)", async () => {
    const alice = await newUser();
    const gone = await newUser();
    await withTestDb((db) => db.update(users).set({ isActive: false }).where(eq(users.id, gone.id)));
    expectError(await configuredApi({})("POST", `/dm/${gone.id}`, { token: alice.token }), 404, "not_found");
  });
});
