import { withDb } from "../../db/client";
import type { Config } from "../../env";
import { countTimeline } from "../timeline/postgres-reads";
import type { Timeline } from "../timeline/timeline";

export type Resume = {
  /** null: no resume asked; true: every event after `cursor` follows; false: refetch history. */
  recovered: boolean | null;
  /** The last seq the client has: the replay (`replay.ts`) streams from here. */
  cursor: number;
};

type Position = Pick<Timeline, "lastSeq" | "epoch" | "oldestCached">;

/**
 * How a resume from `since` (in `epoch`) can be served: not asked; not at all (`refetch`: out of
 * range, too far back, or another timeline); from the cache alone; or with older events read from
 * PostgreSQL first.
 */
export function resumePlan(
  t: Position,
  since: number | null,
  epoch: string | null,
  maxEvents: number,
): "none" | "refetch" | "cache" | "postgres" {
  if (since === null) return "none";
  const servable =
    Number.isSafeInteger(since) &&
    since >= 0 &&
    since <= t.lastSeq &&
    t.lastSeq - since <= maxEvents &&
    (epoch === null || epoch === t.epoch);
  if (!servable) return "refetch";
  return t.oldestCached <= since + 1 ? "cache" : "postgres";
}

/**
 * Decides whether a resume from `since` can be served whole. The part older than the cache comes
 * from PostgreSQL (which holds everything flushed), read page by page as the replay streams
 * (`replay.ts`); here one count checks that PostgreSQL holds every event of that part, so the
 * answer stays all or nothing: if the whole gap cannot be delivered, `recovered: false` tells the
 * client to refetch history instead.
 */
export async function prepareResume(
  timeline: Timeline,
  config: Config,
  since: number | null,
  epoch: string | null,
): Promise<Resume> {
  const none: Resume = { recovered: null, cursor: timeline.lastSeq };
  const plan = resumePlan(timeline, since, epoch, config.RESUME_MAX_EVENTS);
  if (plan === "none" || since === null) return none;
  if (plan === "refetch") return { ...none, recovered: false };
  if (plan === "cache") return { recovered: true, cursor: since };
  const below = timeline.oldestCached;
  try {
    const held = await withDb(config, (db) => countTimeline(db, timeline.roomId, since, below));
    // PostgreSQL must continue exactly where the client stopped: a missing event means it cannot.
    return held === below - since - 1 ? { recovered: true, cursor: since } : { ...none, recovered: false };
  } catch (err) {
    console.warn("resume from PostgreSQL failed", err);
    return { ...none, recovered: false };
  }
}
