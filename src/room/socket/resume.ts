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
  if (since === null) return none;
  const last = timeline.lastSeq;
  const servable =
    Number.isSafeInteger(since) &&
    since >= 0 &&
    since <= last &&
    last - since <= config.RESUME_MAX_EVENTS &&
    (epoch === null || epoch === timeline.epoch);
  if (!servable) return { ...none, recovered: false };
  if (timeline.oldestCached <= since + 1) return { recovered: true, older: [], cursor: since };
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
