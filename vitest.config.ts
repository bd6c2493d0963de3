import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// Tests run inside workerd against the real worker (wrangler.toml) and a real PostgreSQL started
// by test/global-setup.ts. Files run one at a time: the outage test takes the database down.
export default defineConfig({
  plugins: [
    cloudflareTest(({ inject }) => ({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: {
          DATABASE_URL: inject("databaseUrl"),
          DB_WS_PROXY: inject("dbWsProxy"),
          TEST_DB_WS_PROXY: inject("testDbWsProxy"),
          BRIDGE_CONTROL: inject("bridgeControl"),
          SECRET_KEY: "test-only-secret-0123456789abcdef0123456789abcdef",
          // Small, so that tests reach beyond the room's cache with a handful of messages.
          ROOM_CACHE_EVENTS: "5",
        },
      },
    })),
  ],
  test: {
    include: ["test/**/*.test.ts"],
    // Run in Node against a running server: vitest.browser.config.ts.
    exclude: ["test/browser/**"],
    globalSetup: ["./test/global-setup.ts"],
    fileParallelism: false,
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
});
