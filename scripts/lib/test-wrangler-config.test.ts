import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { PROJECT_ROOT } from "./pg-data-dir";
import { wranglerConfigWithoutDevVars } from "./test-wrangler-config";

// What the vitest plugin does with a wrangler config: wrangler's own function, which also reads
// the .dev.vars beside it. Quiet: its "Using secrets defined in …" would read like the leak fixed here.
process.env.WRANGLER_LOG = "warn";
const bindingsOf = (configPath: string) =>
  unstable_getMiniflareWorkerOptions(configPath).workerOptions.bindings as Record<string, unknown>;

describe("the tests' copy of wrangler.toml", () => {
  const project = mkdtempSync(path.join(os.tmpdir(), "roomcast-config-"));
  afterAll(() => rmSync(project, { recursive: true, force: true }));
  copyFileSync(path.join(PROJECT_ROOT, "wrangler.toml"), path.join(project, "wrangler.toml"));
  writeFileSync(
    path.join(project, ".dev.vars"),
    "SECRET_KEY=from-a-developers-dev-vars\nJWT_ISSUER=someone-else\n",
  );
  writeFileSync(path.join(project, ".env"), "PBKDF2_ITERATIONS=10000\n");

  it("wrangler.toml itself picks up the developer's .dev.vars (why the copy exists)", () => {
    const bindings = bindingsOf(path.join(project, "wrangler.toml"));
    expect(bindings.SECRET_KEY).toBe("from-a-developers-dev-vars");
    expect(bindings.JWT_ISSUER).toBe("someone-else");
  });

  it("the copy keeps wrangler.toml's [vars] and nothing from .dev.vars or .env", () => {
    const copy = wranglerConfigWithoutDevVars(
      path.join(project, "wrangler.toml"),
      path.join(project, ".wrangler/vitest"),
    );
    const bindings = bindingsOf(copy);
    expect(bindings).toEqual({
      JWT_ISSUER: "roomcast",
      JWT_AUDIENCE: "roomcast-api",
      ACCESS_TOKEN_TTL_SECONDS: "900",
    });
  });

  it("the copy's paths lead to the same files", () => {
    const copy = wranglerConfigWithoutDevVars(
      path.join(PROJECT_ROOT, "wrangler.toml"),
      path.join(project, "elsewhere/deeper"),
    );
    expect(unstable_getMiniflareWorkerOptions(copy).main).toBe(path.join(PROJECT_ROOT, "src/index.ts"));
  });
});
