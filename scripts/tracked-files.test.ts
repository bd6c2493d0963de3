// What a clone must not bring along: installed packages and local state. A symlink named
// `node_modules` escaped `.gitignore`'s `node_modules/` (a pattern with a slash matches only a
// directory) and was committed pointing into another checkout: every fresh clone then began with
// a dangling link, and every `npm ci` showed up as the deletion of a tracked file.
import { execFileSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "..");
/** Paths (or path segments) that are installed or made locally, never committed. */
const LOCAL = ["node_modules", ".data", ".wrangler", ".dev.vars", "dist"];

const tracked = () =>
  execFileSync("git", ["ls-files", "-z"], { cwd: ROOT, encoding: "utf8" }).split("\0").filter(Boolean);

describe("the repository's tracked files", () => {
  it("include nothing installed or made locally", () => {
    const local = tracked().filter((f) => f.split("/").some((part) => LOCAL.includes(part)));
    expect(local).toEqual([]);
  });
});
