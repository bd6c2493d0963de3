import type { TestProject } from "vitest/node";
import { startBridge } from "../scripts/lib/bridge";
import { freePort, startCluster } from "../scripts/lib/embedded-pg";
import { applyMigrations } from "../scripts/lib/migrate";

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
    dbWsProxy: string;
    testDbWsProxy: string;
    bridgeControl: string;
  }
}

/**
 * One embedded PostgreSQL for the test run (cluster kept in .data/postgres-test, a fresh
 * database per run), migrated, behind two bridges: the one the worker uses, which tests can take
 * down to simulate an outage, and one for the tests' own checks, which stays up.
 */
export default async function setup(project: TestProject) {
  const cluster = await startCluster(".data/postgres-test", await freePort());
  const database = `roomcast_test_${Date.now()}_${process.pid}`;
  await cluster.createDatabase(database);
  const url = cluster.url(database);
  await applyMigrations(url);
  const target = `127.0.0.1:${cluster.port}`;
  const workerBridge = await startBridge(target, { control: true });
  const testBridge = await startBridge(target);
  project.provide("databaseUrl", url);
  project.provide("dbWsProxy", `127.0.0.1:${workerBridge.port}`);
  project.provide("testDbWsProxy", `127.0.0.1:${testBridge.port}`);
  project.provide("bridgeControl", `http://127.0.0.1:${workerBridge.port}`);
  return async () => {
    await workerBridge.close();
    await testBridge.close();
    await cluster.dropDatabase(database).catch(() => {});
    await cluster.stop();
  };
}
