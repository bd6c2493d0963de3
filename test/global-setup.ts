import type { TestProject } from "vitest/node";
import { startBridge } from "../scripts/lib/bridge";
import { freePort, startCluster } from "../scripts/lib/embedded-pg";
import { applyMigrations } from "../scripts/lib/migrate";
import { startPushService } from "./fakes/push-service";
import { TEST_VAPID } from "./fakes/test-keys";
import { startWebhookReceiver } from "./fakes/webhook-receiver";

/** A PostgreSQL URL on a port where nothing listens, and a bridge that leads there. */
export type UnreachableDatabase = { url: string; bridge: string; closedPort: number };

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
    dbWsProxy: string;
    testDbWsProxy: string;
    bridgeControl: string;
    unreachableDatabase: UnreachableDatabase;
    pushService: string;
    webhookReceiver: string;
  }
}

/**
 * One embedded PostgreSQL for the test run (cluster kept in .data/postgres-test, a fresh
 * database per run), migrated, behind two bridges: the one the worker uses, which tests can take
 * down to simulate an outage, and one for the tests' own checks, which stays up. A third bridge
 * leads to a closed port: what the worker meets when its database is not running at all.
 */
export default async function setup(project: TestProject) {
  const cluster = await sharedCluster();
  const database = `roomcast_test_${project.name.replace(/\W/g, "_")}_${Date.now()}_${process.pid}`;
  await cluster.createDatabase(database);
  const url = cluster.url(database);
  await applyMigrations(url);
  const target = `127.0.0.1:${cluster.port}`;
  const workerBridge = await startBridge(target, { control: true });
  const testBridge = await startBridge(target);
  const closedPort = await freePort();
  const deadEndBridge = await startBridge(`127.0.0.1:${closedPort}`);
  // Loopback fakes of the outside services (test/fakes/): the worker reaches them over plain HTTP.
  const pushService = await startPushService(TEST_VAPID.publicKey);
  const webhookReceiver = await startWebhookReceiver();
  project.provide("pushService", pushService.url);
  project.provide("webhookReceiver", webhookReceiver.url);
  project.provide("databaseUrl", url);
  project.provide("dbWsProxy", `127.0.0.1:${workerBridge.port}`);
  project.provide("testDbWsProxy", `127.0.0.1:${testBridge.port}`);
  project.provide("bridgeControl", `http://127.0.0.1:${workerBridge.port}`);
  project.provide("unreachableDatabase", {
    url: url.replace(`:${cluster.port}/`, `:${closedPort}/`),
    bridge: `127.0.0.1:${deadEndBridge.port}`,
    closedPort,
  });
  return async () => {
    await pushService.close();
    await webhookReceiver.close();
    await workerBridge.close();
    await testBridge.close();
    await deadEndBridge.close();
    await cluster.dropDatabase(database).catch(() => {});
    await releaseCluster();
  };
}

type Cluster = Awaited<ReturnType<typeof startCluster>>;
type Shared = { start?: Promise<Cluster>; users: number };
// On globalThis: each project may load its own copy of this module.
const holder = globalThis as { roomcastTestCluster?: Shared };
holder.roomcastTestCluster ??= { users: 0 };
const shared: Shared = holder.roomcastTestCluster;

/**
 * The worker's two projects (vitest.config.ts) run this setup each, in one process: they share
 * one PostgreSQL (each has its own database and bridges), started by the first, stopped by the last.
 */
function sharedCluster(): Promise<Cluster> {
  shared.users += 1;
  shared.start ??= freePort().then((port) =>
    startCluster(".data/postgres-test", port, { onProgress: (line) => console.log(`  ${line}`) }),
  );
  return shared.start;
}

async function releaseCluster() {
  shared.users -= 1;
  if (shared.users > 0 || shared.start === undefined) return;
  const cluster = await shared.start;
  shared.start = undefined;
  await cluster.stop();
}
