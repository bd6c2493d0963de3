import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { baseUrl } from "./helpers";

const ROOT = path.resolve(import.meta.dirname, "../..");
const README = path.join(ROOT, "README.md");
/** The address the README is written against; replaced by the test server's. */
const DOC_ORIGIN = "http://127.0.0.1:8787";
const RUNNABLE = new Set(["sh", "js", "ts"]);

type Block = { lang: string; code: string; line: number; expected: string | null };

/**
 * The README's fenced blocks tagged `sh`, `js` or `ts`, in order, each with the `text` block that
 * follows it (its expected output). `bash` blocks (install, dev, deploy) are shown, not run.
 */
function runnableBlocks(markdown: string): Block[] {
  const fence = /^```(\w*)\n([\s\S]*?)^```$/gm;
  const all = [...markdown.matchAll(fence)].map((m) => ({
    lang: m[1] ?? "",
    code: m[2] ?? "",
    line: markdown.slice(0, m.index).split("\n").length,
  }));
  return all.flatMap((b, i) => {
    if (!RUNNABLE.has(b.lang)) return [];
    const next = all[i + 1];
    return [{ ...b, expected: next?.lang === "text" ? next.code : null }];
  });
}

/** `…` in an expected line matches anything; trailing blanks do not count. */
function expectOutput(actual: string, expected: string, where: string) {
  const lines = (t: string) =>
    t
      .trimEnd()
      .split("\n")
      .map((l) => l.trimEnd());
  const want = lines(expected);
  const got = lines(actual);
  const pattern = (l: string) =>
    new RegExp(
      `^${l
        .split("…")
        .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
        .join(".*?")}$`,
    );
  const matches = want.length === got.length && want.every((l, i) => pattern(l).test(got[i] ?? ""));
  if (!matches) expect(got, `output of the block at ${where}`).toEqual(want);
}

const scratch = mkdtempSync(path.join(tmpdir(), "roomcast-readme-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Shell blocks share variables and functions, as when pasted into one terminal. */
function runShell(code: string): string {
  const state = path.join(scratch, "state.sh");
  const script = [
    `[ -f ${state} ] && source ${state}`,
    "set -eo pipefail",
    "set -a",
    code,
    `{ export -p; declare -f; } > ${state}`,
  ].join("\n");
  return execFileSync("bash", ["-c", script], { cwd: ROOT, encoding: "utf8", timeout: 30_000 });
}

/**
 * The reader's shell: PATH without what npm run (and so this test) put in front, so `node` is the
 * machine's own (Node 20 on the test machine, the README's minimum) and `npx node` the clone's.
 */
const readerPath = (process.env.PATH ?? "")
  .split(path.delimiter)
  .filter((dir) => !dir.split(path.sep).includes("node_modules"))
  .join(path.delimiter);

const readerNode = execFileSync("node", ["--version"], {
  encoding: "utf8",
  env: { ...process.env, PATH: readerPath },
}).trim();

/** Script blocks are saved in the repository's root and run with `npx node`, as the README says. */
function runScript(lang: string, code: string, index: number): string {
  const file = path.join(ROOT, `.readme-block-${index}.${lang === "ts" ? "ts" : "mjs"}`);
  writeFileSync(file, code);
  try {
    return execFileSync("npx", ["node", file], {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 30_000,
      env: { ...process.env, PATH: readerPath },
    });
  } finally {
    rmSync(file, { force: true });
  }
}

describe("README code blocks, run against the service", () => {
  const blocks = runnableBlocks(readFileSync(README, "utf8"));

  it("has runnable blocks, each followed by its expected output", () => {
    expect(blocks.length).toBeGreaterThanOrEqual(7);
    expect(blocks.filter((b) => b.expected === null).map((b) => b.line)).toEqual([]);
  });

  // In order: later blocks use what earlier ones created (users, the room, shell variables).
  blocks.forEach((block, i) => {
    const how = block.lang === "sh" ? "bash" : `npx node, from a shell with node ${readerNode}`;
    it(`${block.lang} block at README.md:${block.line} (${how})`, () => {
      const code = block.code.replaceAll(DOC_ORIGIN, baseUrl());
      const output = block.lang === "sh" ? runShell(code) : runScript(block.lang, code, i);
      expectOutput(output, block.expected ?? "", `README.md:${block.line}`);
    });
  });
});
