import { readFileSync } from "node:fs";
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { wranglerConfigWithoutDevVars } from "./scripts/lib/test-wrangler-config.ts";
import { TEST_VAPID } from "./test/fakes/test-keys.ts";

// Five projects:
// - unit: the pure rules of src/ (access, reaction keys, mention names, token buckets, frame
//   parsing, close codes, resume decisions, the room's output), in Node, beside the code they check
//   (src/**/*.test.ts): a rule can be changed and checked in seconds.
// - worker, worker-fresh: tests inside workerd against the real worker (wrangler.toml) and a real
//   PostgreSQL started by test/global-setup.ts (see FRESH_WORLD below for why two). Files run one at
//   a time: the outage test takes the database down.
// - node: pure protocol modules (src/push, src/webhooks) against independent Node libraries.
// - scripts: the local tooling (scripts/) in Node: embedded PostgreSQL, bridge, dev script messages.
//
// The worker sees only the bindings below and wrangler.toml's [vars]: never the developer's
// .dev.vars, which wrangler would read from beside the config file (see test-wrangler-config.ts).
const configPath = wranglerConfigWithoutDevVars("wrangler.toml", ".wrangler/vitest");

/** The worker under test, as each worker project's pool runs it (one workerd per pool worker). */
const workerPool = () =>
  cloudflareTest(({ inject }) => ({
    wrangler: { configPath },
    miniflare: {
      bindings: {
        DATABASE_URL: inject("databaseUrl"),
        DB_WS_PROXY: inject("dbWsProxy"),
        TEST_DB_WS_PROXY: inject("testDbWsProxy"),
        BRIDGE_CONTROL: inject("bridgeControl"),
        UNREACHABLE_DATABASE: inject("unreachableDatabase"),
        SECRET_KEY: "test-only-secret-0123456789abcdef0123456789abcdef",
        METRICS_TOKEN: "test-only-metrics-token-0123456789abcdef",
        // Small, so that tests reach beyond the room's cache with a handful of messages.
        ROOM_CACHE_EVENTS: "5",
        // Small, so that a resume beyond the inbox's log is reached with a few events.
        INBOX_KEEP_EVENTS: "8",
        // Small, so that tests reach the file limits with small files (test/files.test.ts).
        FILES_MAX_BYTES: "262144",
        FILES_QUOTA_BYTES: "1048576",
        FILES_MAX_PENDING: "6",
        // Issue 21: a fixed VAPID pair, short delays, and the loopback fakes' addresses.
        VAPID_PUBLIC_KEY: TEST_VAPID.publicKey,
        VAPID_PRIVATE_KEY: TEST_VAPID.privateKey,
        VAPID_SUBJECT: "mailto:tests@roomcast.test",
        PUSH_DELAY_MS: "1500",
        PUSH_RETRY_BASE_MS: "200",
        WEBHOOK_RETRY_BASE_MS: "100",
        WEBHOOK_DISABLE_AFTER_MS: "3000",
        PUSH_SERVICE: inject("pushService"),
        WEBHOOK_RECEIVER: inject("webhookReceiver"),
        // Every test signs up users and creates rooms from the one test address; the
        // limits' own tests (test/abuse-*.test.ts) run the worker with their defaults.
        SIGNUPS_PER_ADDRESS_PER_HOUR: "1000000",
        ROOMS_CREATED_PER_USER_PER_HOUR: "1000000",
        DMS_OPENED_PER_USER_PER_HOUR: "1000000",
        // Each test user's signup and login hash a password: at the production work factor
        // (100,000) that is most of the suite's CPU, on the thread every object of the shared
        // workerd runs on, so that on a loaded machine tests time out in their setup. The
        // smallest factor the worker accepts; the hashing code path is the same.
        PBKDF2_ITERATIONS: "10000",
        // The throttle tests expect 429 right after the fifth failed login: with the default
        // first wait (1 s) a loaded machine answers the next attempt after it ran out (401).
        LOGIN_THROTTLE_FIRST_DELAY_SECONDS: "60",
        // Reached with a few users while PostgreSQL is down (test/abuse-room.test.ts).
        ROOM_BACKLOG_MAX_EVENTS: "100",
        // Reached with a dozen sockets across three rooms (test/room-sockets-limit.test.ts).
        WS_MAX_SOCKETS_ACROSS_ROOMS: "12",
        // Reached with a few dozen large messages (test/slow-readers.test.ts).
        WS_SEND_WINDOW_CHARS: "65536",
        WS_UNSYNCED_MAX_CHARS: "262144",
        // The static assets' headers, compared with the worker's (test/security-headers.test.ts).
        ASSETS_HEADERS: readFileSync("public/_headers", "utf8"),
      },
    },
  }));

// Files that read totals over the whole deployment (the gauges object's sockets, live rooms and
// backlog: test/metrics.test.ts), so that another file's rooms would change what they see. They
// run after the rest, each in a fresh workerd (isolate: true). Every other file shares one workerd
// (isolate: false): a fresh one per file cost ≈1.5 s each, most of the worker project's time.
// Shared files create their own users and rooms and assert only about those.
const FRESH_WORLD = ["test/metrics.test.ts"];

/** A worker project: tests inside workerd against the real worker and a real PostgreSQL. */
const workerProject = (name: string, files: { include: string[]; exclude: string[] }, isolate: boolean) => ({
  plugins: [workerPool()],
  test: {
    name,
    include: files.include,
    // Run in Node against a running server: vitest.browser.config.ts.
    exclude: ["test/browser/**", "test/node/**", ...files.exclude],
    globalSetup: ["./test/global-setup.ts"],
    setupFiles: ["./test/setup.ts"],
    fileParallelism: false,
    isolate,
    // After the shared project: one workerd at a time (the outage tests take a database down).
    sequence: { groupOrder: isolate ? 1 : 0 },
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
});

export default defineConfig({
  test: {
    projects: [
      workerProject("worker", { include: ["test/**/*.test.ts"], exclude: FRESH_WORLD }, false),
      workerProject("worker-fresh", { include: FRESH_WORLD, exclude: [] }, true),
      {
        // Pure modules checked against Node libraries that do not run in workerd (http_ece,
        // standardwebhooks): independent implementations of the protocols ours speak.
        test: {
          name: "node",
          include: ["test/node/**/*.test.ts"],
          environment: "node",
        },
      },
      {
        test: {
          name: "unit",
          include: ["src/**/*.test.ts"],
          environment: "node",
        },
      },
      {
        test: {
          name: "scripts",
          include: ["scripts/**/*.test.ts"],
          environment: "node",
          testTimeout: 120_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
