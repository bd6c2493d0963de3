import { createECDH } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { ensureDevVars, portSetting, readVars, setting } from "./dev-vars";

describe("local settings (PG_PORT, DB_WS_PROXY_PORT, DATABASE_URL)", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "roomcast-vars-"));
  const file = path.join(dir, ".dev.vars");
  writeFileSync(
    file,
    '# comment\nPG_PORT=54111\nDB_WS_PROXY_PORT = "54112"\nDATABASE_URL=\nBAD_PORT=eighty\nCOMMENTED=54113   # a comment\n',
  );
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // Hermetic: a shell that exports one of these (a second stack's PG_PORT, say) must not decide.
  const names = ["PG_PORT", "DB_WS_PROXY_PORT", "DATABASE_URL", "BAD_PORT", "COMMENTED", "NOT_SET_ANYWHERE"];
  const outside = new Map(names.map((n) => [n, process.env[n]]));
  beforeEach(() => {
    for (const n of names) delete process.env[n];
  });
  afterEach(() => {
    for (const [n, v] of outside) {
      if (v === undefined) delete process.env[n];
      else process.env[n] = v;
    }
  });

  it("come from .dev.vars when the environment does not set them", () => {
    expect(portSetting("PG_PORT", 54329, file)).toBe(54111);
    expect(portSetting("DB_WS_PROXY_PORT", 54330, file)).toBe(54112);
    expect(setting("PG_PORT", file)).toEqual({ value: "54111", from: file });
    expect(portSetting("COMMENTED", 1, file)).toBe(54113);
  });

  it("the environment wins over .dev.vars; empty counts as unset", () => {
    process.env.PG_PORT = "54999";
    expect(portSetting("PG_PORT", 54329, file)).toBe(54999);
    process.env.PG_PORT = "";
    expect(portSetting("PG_PORT", 54329, file)).toBe(54111);
    expect(setting("DATABASE_URL", file)).toBeUndefined();
    expect(portSetting("NOT_SET_ANYWHERE", 54330, file)).toBe(54330);
  });

  it("a value that is not a port is one sentence saying where it came from", () => {
    expect(() => portSetting("BAD_PORT", 1, file)).toThrow(
      `BAD_PORT=eighty (from ${file}) is not a port number (1-65535).`,
    );
    process.env.BAD_PORT = "70000";
    expect(() => portSetting("BAD_PORT", 1, file)).toThrow(
      "BAD_PORT=70000 (from the environment) is not a port number",
    );
  });
});

describe("first run: .dev.vars with generated secrets", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "roomcast-vars-"));
  const example = path.join(dir, ".dev.vars.example");
  writeFileSync(example, "SECRET_KEY=\nVAPID_PUBLIC_KEY=\nVAPID_PRIVATE_KEY=\nPG_PORT=54329\n");
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("fills SECRET_KEY and a VAPID pair that signs and verifies", () => {
    const file = path.join(dir, "a.vars");
    expect(ensureDevVars(file, example)).toMatch(/created/);
    const vars = readVars(file);
    expect(vars.SECRET_KEY).toMatch(/^[0-9a-f]{64}$/);
    expect(Buffer.from(vars.VAPID_PUBLIC_KEY ?? "", "base64url")).toHaveLength(65);
    expect(Buffer.from(vars.VAPID_PRIVATE_KEY ?? "", "base64url")).toHaveLength(32);
    const ecdh = createECDH("prime256v1");
    ecdh.setPrivateKey(Buffer.from(vars.VAPID_PRIVATE_KEY ?? "", "base64url"));
    expect(ecdh.getPublicKey().toString("base64url")).toBe(vars.VAPID_PUBLIC_KEY);
    expect(ensureDevVars(file, example)).toBeNull();
  });

  it("adds a VAPID pair to a .dev.vars from before Web Push, keeping the rest", () => {
    const file = path.join(dir, "b.vars");
    writeFileSync(file, "SECRET_KEY=keepme\nVAPID_PRIVATE_KEY=\n");
    expect(ensureDevVars(file, example)).toMatch(/VAPID/);
    const vars = readVars(file);
    expect(vars.SECRET_KEY).toBe("keepme");
    expect(vars.VAPID_PRIVATE_KEY).toMatch(/^[\w-]{43}$/);
    expect(vars.VAPID_PUBLIC_KEY).toMatch(/^[\w-]{87}$/);
  });
});
