import { env } from "cloudflare:workers";
import { expect, it } from "vitest";

// The worker under test sees vitest.config.ts's bindings and wrangler.toml's [vars], never a
// developer's .dev.vars (scripts/lib/test-wrangler-config.test.ts shows that wrangler would read it).
it("runs with the test configuration, whatever the developer's .dev.vars says", () => {
  const bindings = env as unknown as Record<string, unknown>;
  expect(bindings.SECRET_KEY).toBe("test-only-secret-0123456789abcdef0123456789abcdef");
  expect(bindings.ROOM_CACHE_EVENTS).toBe("5");
  expect([bindings.JWT_ISSUER, bindings.JWT_AUDIENCE, bindings.ACCESS_TOKEN_TTL_SECONDS]).toEqual([
    "roomcast",
    "roomcast-api",
    "900",
  ]);
  // The tests' own work factor (vitest.config.ts), not a .dev.vars one.
  expect(bindings.PBKDF2_ITERATIONS).toBe("10000");
  // Settings that only a .dev.vars would bind.
  for (const name of ["PG_PORT", "DB_WS_PROXY_PORT", "WS_SENDS_PER_SECOND"]) {
    expect(bindings[name], name).toBeUndefined();
  }
});
