import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../src/app";
import type { Bindings } from "../src/env";
import { expectLogs } from "./expected-logs";
import type { UnreachableDatabase } from "./global-setup";

const unreachable = (env as unknown as { UNREACHABLE_DATABASE: UnreachableDatabase }).UNREACHABLE_DATABASE;

/** The worker under another database configuration (a fresh env object: config is cached per env). */
async function loginWith(database: Partial<Bindings>) {
  const app = createApp();
  const bindings = { ...env, DB_WS_PROXY: undefined, ...database } as Bindings;
  const res = await app.fetch(
    new Request("http://roomcast.test/auth/login", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "nobody", password: "correct horse battery" }),
    }),
    bindings,
    createExecutionContext(),
  );
  return { status: res.status, body: (await res.json()) as { error?: { code: string } } };
}

// `npm run dev` with DATABASE_URL pointing at a PostgreSQL that is not running, or that stops.
describe("a database that is not running", () => {
  it.each([
    [
      "through the bridge, to a closed port",
      () => ({ DATABASE_URL: unreachable.url, DB_WS_PROXY: unreachable.bridge }),
    ],
    [
      "through a bridge that is not running",
      () => ({ DATABASE_URL: unreachable.url, DB_WS_PROXY: `127.0.0.1:${unreachable.closedPort}` }),
    ],
    ["without a bridge, to a closed port", () => ({ DATABASE_URL: unreachable.url })],
  ])("is 503 database_unavailable %s", async (_, database) => {
    expectLogs(/^database unavailable:/);
    const res = await loginWith(database());
    expect(res).toEqual({
      status: 503,
      body: { error: expect.objectContaining({ code: "database_unavailable" }) },
    });
  });

  it("the same request with the test database is answered normally (401, unknown user)", async () => {
    const res = await loginWith({ DATABASE_URL: env.DATABASE_URL, DB_WS_PROXY: env.DB_WS_PROXY });
    expect(res.status).toBe(401);
  });
});
