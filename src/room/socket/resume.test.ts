import { describe, expect, it } from "vitest";
import { resumePlan } from "./resume";

/** A timeline at seq 100 whose cache starts at seq 60. */
const t = { lastSeq: 100, epoch: "E1", oldestCached: 60 };
const MAX = 50;

describe("resume decisions (all or nothing)", () => {
  it.each([
    [null, null, "none"],
    [100, "E1", "cache"],
    [59, null, "cache"],
    [58, "E1", "postgres"],
    [50, "E1", "postgres"],
    [49, "E1", "refetch"],
    [101, "E1", "refetch"],
    [-1, null, "refetch"],
    [1.5, null, "refetch"],
    [Number.NaN, null, "refetch"],
    [80, "E0", "refetch"],
  ] as const)("since %s in epoch %s: %s", (since, epoch, plan) => {
    expect(resumePlan(t, since, epoch, MAX)).toBe(plan);
  });
});
