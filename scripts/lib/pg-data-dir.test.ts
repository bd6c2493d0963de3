import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { clusterDataDir } from "./pg-data-dir";
import { postgresRunAs, reachable } from "./pg-user";

const asRoot = process.getuid?.() === 0;

// A clone in root's home: PostgreSQL's account cannot traverse it. Only root can set this up.
describe.skipIf(!asRoot)("as root, a project the postgres account cannot reach", () => {
  const home = mkdtempSync(path.join(os.tmpdir(), "roomcast-home-"));
  chmodSync(home, 0o700);
  const project = path.join(home, "roomcast");
  const other = path.join(home, "another-clone");
  // Folders the test makes outside the clone (in /var/tmp/roomcast/): removed, pass or fail.
  const madeOutside: string[] = [];
  afterAll(() => {
    for (const dir of [home, ...madeOutside]) rmSync(dir, { recursive: true, force: true });
  });

  it("keeps cluster data in a reachable folder, one per clone, the same on every run", () => {
    const runAs = postgresRunAs();
    expect(reachable(runAs, project)).toBe(false);
    const first = clusterDataDir(".data/postgres", runAs, project);
    madeOutside.push(path.dirname(first.dir));
    expect(first.relocated).toBe(true);
    expect(first.dir).toMatch(/^\/var\/tmp\/roomcast\/roomcast-[0-9a-f]{12}\/postgres$/);
    expect(reachable(runAs, path.dirname(first.dir), "x")).toBe(true);
    expect(clusterDataDir(".data/postgres", runAs, project)).toEqual(first);
    const second = clusterDataDir(".data/postgres", runAs, other);
    madeOutside.push(path.dirname(second.dir));
    expect(second.dir).not.toBe(first.dir);
  });
});

describe("a project the account running PostgreSQL can reach", () => {
  it("keeps cluster data in the project's .data folder", () => {
    const project = mkdtempSync(path.join(os.tmpdir(), "roomcast-open-"));
    chmodSync(project, 0o755);
    try {
      expect(clusterDataDir(".data/postgres", postgresRunAs(), project)).toEqual({
        dir: path.join(project, ".data/postgres"),
        relocated: false,
      });
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });
});
