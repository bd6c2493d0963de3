// The typed client as another project gets it: packed as npm would publish it, installed from the
// tarball into a scratch project outside the clone, type-checked and run there.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "..");
const TSC = path.join(ROOT, "node_modules/typescript/bin/tsc");
const scratch = mkdtempSync(path.join(os.tmpdir(), "roomcast-client-pack-"));
const app = path.join(scratch, "app");
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const write = (file: string, text: string) => writeFileSync(path.join(app, file), text);

/** Type-checks one file of the scratch project with the strictest usual settings. */
function typecheck(file: string) {
  write(
    "tsconfig.json",
    JSON.stringify({
      compilerOptions: {
        target: "es2022",
        module: "nodenext",
        moduleResolution: "nodenext",
        lib: ["es2023", "dom"],
        types: [],
        strict: true,
        noEmit: true,
        skipLibCheck: false,
      },
      files: [file],
    }),
  );
  return spawnSync(process.execPath, [TSC, "-p", "tsconfig.json"], { cwd: app, encoding: "utf8" });
}

beforeAll(() => {
  // `npm pack` runs the package's prepare script: what is packed is freshly built.
  const packed = JSON.parse(
    execFileSync("npm", ["pack", "-w", "client", "--pack-destination", scratch, "--json"], {
      cwd: ROOT,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    }),
  ) as Array<{ filename: string; files: Array<{ path: string }> }>;
  const tarball = path.join(scratch, packed[0]?.filename ?? "");
  mkdirSync(app);
  write("package.json", JSON.stringify({ name: "scratch-app", private: true, type: "module" }));
  execFileSync("npm", ["install", tarball, "--no-audit", "--no-fund", "--prefer-offline"], {
    cwd: app,
    stdio: "ignore",
  });
}, 180_000);

describe("roomcast-client, installed from its tarball into another project", () => {
  it("type-checks a program that uses every option, and rejects one that misuses an option", () => {
    write(
      "uses.ts",
      `import { RoomcastApi, RoomcastError, RoomSocket, type ServerFrame, type TimelineEvent } from "roomcast-client";
const api = new RoomcastApi("http://127.0.0.1:8787");
const room = new RoomSocket({
  baseUrl: "http://127.0.0.1:8787",
  roomId: 1,
  token: async () => api.token ?? "",
  refreshToken: async () => null,
  backoff: { minMs: 100, maxMs: 1000, factor: 2, jitterMs: 50 },
  WebSocket: globalThis.WebSocket,
  resumeFrom: { seq: 41, epoch: "e1" },
});
room.on("event", (e: TimelineEvent) => (e.type === "message" ? (e.content ?? "").length : e.seq));
const frames: ServerFrame["type"][] = ["ready", "ack"];
const seq: number | null = room.lastSeq;
export const used = [frames, seq, RoomcastError];
`,
    );
    const good = typecheck("uses.ts");
    expect(good.stdout + good.stderr).toBe("");
    expect(good.status).toBe(0);

    write(
      "misuses.ts",
      `import { RoomSocket } from "roomcast-client";
new RoomSocket({ baseUrl: "http://x", roomId: 1, token: "t", resumeFrom: { seq: "41", epoch: "e1" } });
`,
    );
    const bad = typecheck("misuses.ts");
    expect(bad.status).not.toBe(0);
    expect(bad.stdout).toMatch(/misuses\.ts.*error TS2322/);
  });

  it("imports and runs; on a Node without WebSocket the socket fails at once with its own error", () => {
    write(
      "run.mjs",
      `import { Inbox, RoomSocket, isTimelineEvent } from "roomcast-client";
console.log("imported", typeof isTimelineEvent);
for (const open of [
  () => new RoomSocket({ baseUrl: "http://127.0.0.1:9", roomId: 1, token: "t" }),
  () => new Inbox({ baseUrl: "http://127.0.0.1:9", token: "t" }),
]) {
  try {
    open();
    console.log("constructed");
  } catch (err) {
    console.log(err.code, err.message);
  }
}
`,
    );
    // Node 24 with its built-in WebSocket switched off stands for Node 18 and 20, which have none.
    const run = spawnSync(process.execPath, ["--no-experimental-websocket", "run.mjs"], {
      cwd: app,
      encoding: "utf8",
      timeout: 10_000,
    });
    expect(run.signal).toBeNull(); // it did not hang until the timeout
    expect(run.status).toBe(0);
    const [imported, ...failures] = run.stdout.trim().split("\n");
    expect(imported).toBe("imported function");
    expect(failures).toHaveLength(2);
    for (const failure of failures) {
      expect(failure).toMatch(/^no_websocket roomcast-client: no WebSocket implementation on this platform/);
    }
    expect(run.stdout + run.stderr).not.toMatch(/partysocket|1999/);
  });
});
