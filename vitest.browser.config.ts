import { defineConfig } from "vitest/config";

// Tests of what browsers and Node clients see, in Node against a running server (wrangler dev +
// embedded PostgreSQL, started by test/browser/global-setup.ts) and a real Chromium.
export default defineConfig({
  test: {
    include: ["test/browser/**/*.test.ts"],
    globalSetup: ["./test/browser/global-setup.ts"],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
