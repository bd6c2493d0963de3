import { withDb } from "../../db/client";
import type { Config } from "../../env";
import type { TimelineEvent } from "../../protocol";
import { readTimeline } from "../timeline/postgres-reads";
import type { Timeline } from "../timeline/timeline";

const PAGE = 500;

export type Resume = {
  /** null: no resume asked; true: every event after `since` follows; false: refetch history. */
  recovered: boolean | null;
  /** Events older than the cache, read from PostgreSQL. */
  older: TimelineEvent[];
  /** Where the cache's part of the replay starts. */
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
 * Decides whether a resume from `since` can be served whole, and reads the part older than the
 * cache from PostgreSQL (which holds everything flushed). All or nothing: if the whole gap
 * cannot be delivered, `recovered: false` tells the client to refetch history instead.
 */
export async function prepareResume(
  timeline: Timeline,
  config: Config,
  since: number | null,
  epoch: string | null,
): Promise<Resume> {
  const none: Resume = { recovered: null, older: [], cursor: timeline.lastSeq };
  const plan = resumePlan(timeline, since, epoch, config.RESUME_MAX_EVENTS);
  if (plan === "none" || since === null) return none;
  if (plan === "refetch") return { ...none, recovered: false };
  if (plan === "cache") return { recovered: true, older: [], cursor: since };
  try {
    return await withDb(config, async (db) => {
      const older: TimelineEvent[] = [];
      let cursor = since;
      while (timeline.oldestCached > cursor + 1) {
        const page = await readTimeline(db, timeline.roomId, { after: cursor, limit: PAGE });
        // PostgreSQL must continue exactly where the client stopped: a gap means it cannot.
        if (page.length === 0 || page.some((e, i) => e.seq !== cursor + 1 + i)) {
          return { ...none, recovered: false };
        }
        older.push(...page.map((e) => timeline.cache.current(e)));
        cursor = page.at(-1)?.seq ?? cursor;
      }
      return { recovered: true, older, cursor };
    });
  } catch (err) {
    console.warn("resume from PostgreSQL failed", err);
    return { ...none, recovered: false };
  }
}
