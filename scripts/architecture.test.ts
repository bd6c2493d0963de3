// The shape of src/ that docs/ARCHITECTURE.md promises: no import circle (type imports included),
// no file much over 250 lines, and two boundaries: the room (src/room/) is entered only through
// src/room/index.ts, and the wire protocol lives in src/protocol/, which imports no server code.
// Functions over 40 lines are Biome's job (`npm run lint`).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "..");
const SRC = path.join(ROOT, "src");
const MAX_LINES = 260;

const tsFiles = (dir: string) =>
  existsSync(dir)
    ? readdirSync(dir, { recursive: true, encoding: "utf8" })
        .filter((f) => f.endsWith(".ts") && !f.includes("node_modules"))
        .map((f) => path.join(dir, f))
    : [];

const files = tsFiles(SRC);
/** Every file that may import from src/: the worker itself, the client, the tests, the tooling. */
const importers = [
  ...files,
  ...["client/src", "test", "scripts", "bench"].flatMap((d) => tsFiles(path.join(ROOT, d))),
];

/** The files a file imports, by relative specifier (`import`/`export … from`, `import("…")`, types too). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const specifiers = [
    ...[...text.matchAll(/^(?:import|export)\s[^;]*?from\s+"(\.[^"]+)"/gms)].map((m) => m[1]),
    ...[...text.matchAll(/import\("(\.[^"]+)"\)/g)].map((m) => m[1]),
  ];
  return specifiers
    .map((s) => path.resolve(path.dirname(file), s ?? ""))
    .flatMap((p) =>
      [p, `${p}.ts`, path.join(p, "index.ts")].filter((c) => importers.includes(c)).slice(0, 1),
    );
}

const ROOM = "src/room/";
const ROOM_ENTRY = "src/room/index.ts";
const PROTOCOL = "src/protocol/";
/**
 * White-box tests that reach inside the room on purpose, each with its reason. Keep it short.
 * - batch.test.ts drives `RoomOutput` with a real WebSocketPair (the runtime's own close and send).
 * - account-recheck.test.ts answers `accountHolds`' calls by hand, in reverse: a real Account
 *   object cannot be made to answer two calls out of order.
 */
const ROOM_WHITE_BOX = new Set([
  "test/batch.test.ts -> src/room/output.ts",
  "test/account-recheck.test.ts -> src/room/socket/account-check.ts",
]);

/**
 * The imports (`from -> to`, paths relative to the project) that break a boundary:
 * - from outside src/room/, anything in it but its index.ts;
 * - from src/protocol/, anything outside it (the client and the tests use it without the server);
 * - from client/, anything of src/ but src/protocol/.
 */
function boundaryViolations(graph: Map<string, string[]>): string[] {
  const bad: string[] = [];
  for (const [from, tos] of graph) {
    for (const to of tos) {
      const edge = `${from} -> ${to}`;
      const intoRoom = to.startsWith(ROOM) && !from.startsWith(ROOM) && to !== ROOM_ENTRY;
      const outOfProtocol = from.startsWith(PROTOCOL) && !to.startsWith(PROTOCOL);
      const clientIntoServer =
        from.startsWith("client/") && to.startsWith("src/") && !to.startsWith(PROTOCOL);
      if ((intoRoom && !ROOM_WHITE_BOX.has(edge)) || outOfProtocol || clientIntoServer) bad.push(edge);
    }
  }
  return bad;
}

const rel = (f: string) => path.relative(ROOT, f);

/** A cycle in the import graph, as a list of files, or null. */
function findCycle(graph: Map<string, string[]>): string[] | null {
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (f: string): string[] | null => {
    if (state.get(f) === "done") return null;
    if (state.get(f) === "open") return [...stack.slice(stack.indexOf(f)), f];
    state.set(f, "open");
    stack.push(f);
    for (const d of graph.get(f) ?? []) {
      const cycle = visit(d);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(f, "done");
    return null;
  };
  for (const f of graph.keys()) {
    const cycle = visit(f);
    if (cycle) return cycle;
  }
  return null;
}

describe("src/ layout", () => {
  it("has no import circle", () => {
    const graph = new Map(files.map((f) => [f, importsOf(f).filter((d) => files.includes(d))]));
    expect(graph.size).toBeGreaterThan(50);
    const cycle = findCycle(graph);
    expect(cycle === null ? null : cycle.map((f) => path.relative(SRC, f))).toBeNull();
  });

  it("finds a circle when there is one (the check itself works)", () => {
    expect(
      findCycle(
        new Map([
          ["a", ["b"]],
          ["b", ["c"]],
          ["c", ["a"]],
        ]),
      ),
    ).toEqual(["a", "b", "c", "a"]);
    expect(
      findCycle(
        new Map([
          ["a", ["b"]],
          ["b", []],
        ]),
      ),
    ).toBeNull();
  });

  it("enters the room only through src/room/index.ts, and keeps the protocol free of server code", () => {
    const graph = new Map(importers.map((f) => [rel(f), importsOf(f).map(rel)]));
    expect([...graph.values()].flat().filter((to) => to.startsWith(ROOM)).length).toBeGreaterThan(10);
    expect(boundaryViolations(graph)).toEqual([]);
  });

  it("finds a broken boundary when there is one (the check itself works)", () => {
    const graph = new Map([
      ["src/domain/rooms.ts", ["src/room/index.ts", "src/room/outbox/outbox.ts"]],
      ["src/room/room.ts", ["src/room/socket/connect.ts", "src/protocol/index.ts"]],
      ["src/protocol/frames.ts", ["src/errors.ts"]],
      ["client/src/close.ts", ["src/protocol/close-codes.ts", "src/room/socket/codec.ts"]],
      ["test/realtime.test.ts", ["src/room/stub.ts"]],
    ]);
    expect(boundaryViolations(graph)).toEqual([
      "src/domain/rooms.ts -> src/room/outbox/outbox.ts",
      "src/protocol/frames.ts -> src/errors.ts",
      "client/src/close.ts -> src/room/socket/codec.ts",
      "test/realtime.test.ts -> src/room/stub.ts",
    ]);
  });

  it("says each part of the handshake once (subprotocol, connect headers)", () => {
    const sources = [...files, ...tsFiles(path.join(ROOT, "client/src"))];
    for (const literal of [
      '"roomcast.v1"',
      '"x-roomcast-user"',
      '"x-roomcast-room"',
      '"x-roomcast-subprotocol"',
    ]) {
      const holders = sources.filter((f) => readFileSync(f, "utf8").includes(literal)).map(rel);
      expect({ literal, holders }).toEqual({ literal, holders: ["src/protocol/handshake.ts"] });
    }
  });

  it(`has no file over ${MAX_LINES} lines`, () => {
    const long = files
      .map((f) => ({ file: path.relative(SRC, f), lines: readFileSync(f, "utf8").split("\n").length }))
      .filter((f) => f.lines > MAX_LINES);
    expect(long).toEqual([]);
  });
});
